//! One resolver for every setting: a flag, else its `vitals.toml` key, else the default, and
//! where the value came from kept alongside it. A bad value is reported where the user wrote
//! it: `--since: …` for a flag, `vitals.toml:14:9: four_keys.since: …` for a config key.
//!
//! ```text
//! let since = ctx.config.flag("--since", args.since.as_deref())
//!     .or_key("four_keys.since", section.since.as_ref())
//!     .parse(parse_duration)?
//!     .unwrap_or(DEFAULT_SINCE);
//! ```

use std::borrow::Borrow;
use std::fmt::Display;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::config::Config;
use crate::error::Error;

/// Where a setting's value came from.
#[derive(Clone, Debug)]
pub enum Origin<'a> {
    /// A command-line flag, e.g. `--since`.
    Flag(&'static str),
    /// A config key (e.g. `four_keys.since`) at a byte span of the file.
    Key {
        config: &'a Config,
        key: String,
        span: Range<usize>,
    },
}

impl Origin<'_> {
    /// An error about the value, as one line naming the flag, or the file, line and key.
    pub fn error(&self, message: impl Display) -> Error {
        match self {
            Origin::Flag(flag) => Error::Usage(format!("{flag}: {message}")),
            Origin::Key { config, key, span } => config.error_at_span(span, key, message).into(),
        }
    }

    /// How messages name the setting: `--chart`, or `vitals.toml:5:9: crash_free.chart`.
    pub fn label(&self) -> String {
        match self {
            Origin::Flag(flag) => flag.to_string(),
            Origin::Key { config, key, span } => format!("{}: {key}", config.position(span)),
        }
    }
}

/// A value and its origin.
#[derive(Clone, Debug)]
pub struct Sourced<'a, T: ?Sized> {
    pub value: &'a T,
    pub origin: Origin<'a>,
}

/// A setting being resolved: the first source that has a value wins.
#[must_use]
pub struct Setting<'a, T: ?Sized> {
    config: &'a Config,
    found: Option<Sourced<'a, T>>,
}

impl Config {
    /// A setting whose first source is the flag `name`.
    pub fn flag<'a, T: ?Sized>(
        &'a self,
        name: &'static str,
        value: Option<&'a T>,
    ) -> Setting<'a, T> {
        Setting {
            config: self,
            found: value.map(|value| Sourced {
                value,
                origin: Origin::Flag(name),
            }),
        }
    }

    /// A setting only the config sets (`key` is its dotted path, e.g. `freshness.state`).
    pub fn key<'a, T: ?Sized, U: Borrow<T> + 'a>(
        &'a self,
        key: &str,
        value: Option<&'a Spanned<U>>,
    ) -> Setting<'a, T> {
        Setting {
            config: self,
            found: None,
        }
        .or_key(key, value)
    }
}

impl<'a, T: ?Sized> Setting<'a, T> {
    /// Falls back to the config key `key` (its dotted path, e.g. `four_keys.since`).
    pub fn or_key<U: Borrow<T> + 'a>(mut self, key: &str, value: Option<&'a Spanned<U>>) -> Self {
        if self.found.is_none() {
            self.found = value.map(|v| Sourced {
                value: v.get_ref().borrow(),
                origin: Origin::Key {
                    config: self.config,
                    key: key.to_string(),
                    span: v.span(),
                },
            });
        }
        self
    }

    /// The value if `valid` accepts it; else an error naming the flag and its value
    /// (`--days 0: …`) or the config key.
    pub fn check(
        self,
        valid: impl FnOnce(&T) -> bool,
        message: impl Display,
    ) -> Result<Option<&'a T>, Error>
    where
        T: Display,
    {
        match self.found {
            Some(s) if !valid(s.value) => Err(match s.origin {
                Origin::Flag(flag) => Error::Usage(format!("{flag} {}: {message}", s.value)),
                key => key.error(message),
            }),
            found => Ok(found.map(|s| s.value)),
        }
    }

    /// The value and where it came from.
    pub fn sourced(self) -> Option<Sourced<'a, T>> {
        self.found
    }

    pub fn value(&self) -> Option<&'a T> {
        self.found.as_ref().map(|s| s.value)
    }

    /// The value checked and converted by `parse`; its error names the value's origin.
    pub fn parse<V>(self, parse: impl FnOnce(&T) -> Result<V, String>) -> Result<Option<V>, Error> {
        self.found
            .map(|s| parse(s.value).map_err(|e| s.origin.error(e)))
            .transpose()
    }
}

impl<'a, T: ?Sized + ToOwned> Setting<'a, T> {
    /// The value, owned.
    pub fn owned(self) -> Option<T::Owned> {
        self.value().map(ToOwned::to_owned)
    }
}

impl<'a> Setting<'a, Path> {
    /// The path, a config key's resolved against the config file's folder.
    pub fn path(self) -> Option<PathBuf> {
        self.found.map(|s| Self::resolve(&s))
    }

    /// [`Setting::path`] with the label messages about the file use.
    pub fn labelled_path(self) -> Option<(String, PathBuf)> {
        self.found.map(|s| (s.origin.label(), Self::resolve(&s)))
    }

    fn resolve(s: &Sourced<'a, Path>) -> PathBuf {
        match &s.origin {
            Origin::Key { config, .. } => config.resolve(s.value),
            Origin::Flag(_) => s.value.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(
            "[four_keys]\nsince = \"9x\"\ngit = \"repo\"\n",
            Path::new("conf/vitals.toml"),
        )
        .unwrap()
    }

    fn four_keys(config: &Config) -> &crate::config::FourKeysSection {
        config.file.four_keys.as_ref().unwrap()
    }

    #[test]
    fn a_flag_wins_over_the_config_and_the_config_over_nothing() {
        let config = config();
        let section = four_keys(&config);
        let from_flag = config
            .flag("--since", Some("30d"))
            .or_key("four_keys.since", section.since.as_ref());
        assert_eq!(from_flag.value(), Some("30d"));
        let from_key = config
            .flag::<str>("--since", None)
            .or_key("four_keys.since", section.since.as_ref());
        assert_eq!(from_key.value(), Some("9x"));
        let neither = config
            .flag::<str>("--hotfix-pattern", None)
            .or_key::<String>("four_keys.hotfix_pattern", section.hotfix_pattern.as_ref());
        assert_eq!(neither.value(), None);
    }

    #[test]
    fn a_bad_value_is_named_where_it_was_written() {
        let config = config();
        let section = four_keys(&config);
        let parse = |text: &str| -> Result<u32, String> {
            text.parse()
                .map_err(|_| format!("{text:?} is not a number"))
        };
        let err = config
            .flag::<str>("--since", None)
            .or_key("four_keys.since", section.since.as_ref())
            .parse(parse)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "conf/vitals.toml:2:9: four_keys.since: \"9x\" is not a number"
        );
        let err = config
            .flag("--since", Some("soon"))
            .or_key("four_keys.since", section.since.as_ref())
            .parse(parse)
            .unwrap_err();
        assert_eq!(err.to_string(), "--since: \"soon\" is not a number");
    }

    #[test]
    fn config_paths_are_relative_to_the_config_file_and_flag_paths_are_not() {
        let config = config();
        let section = four_keys(&config);
        let key = config
            .flag::<Path>("--git", None)
            .or_key("four_keys.git", section.git.as_ref())
            .labelled_path()
            .unwrap();
        assert_eq!(
            key,
            (
                "conf/vitals.toml:3:7: four_keys.git".into(),
                PathBuf::from("conf/repo")
            )
        );
        let flag = config
            .flag("--git", Some(Path::new("here")))
            .or_key("four_keys.git", section.git.as_ref())
            .path();
        assert_eq!(flag, Some(PathBuf::from("here")));
    }
}
