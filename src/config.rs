//! `vitals.toml`: one file configures every check. Paths in it are relative to the file;
//! command-line flags override it. Unknown keys are errors, so a typo is never silently
//! ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::domain::crash_free::CrashKind;

/// A config problem, as one line naming the file, line and key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The file's schema.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// IANA time zone for calendar days; `--tz` overrides it.
    pub timezone: Option<Spanned<String>>,
    /// Pins "now" (RFC 3339) for reproducible demos and backfills; `--now` overrides it.
    pub now: Option<Spanned<String>>,
    pub slack: Option<SlackSection>,
    pub network: Option<NetworkSection>,
    pub crash_free: Option<CrashFreeSection>,
    // Sections of subcommands still to come are accepted as they are, so one file serves the
    // whole contract.
    pub slo: Option<SloSection>,
    pub freshness: Option<FreshnessSection>,
    pub autoscale: Option<AutoscaleSection>,
    pub four_keys: Option<FourKeysSection>,
    pub gate: Option<GateSection>,
}

/// `[gate]`: what blocks a deploy besides the fixed rules.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateSection {
    /// The least error budget left (a ratio) an SLO must have, e.g. 0.1.
    pub min_budget: Option<Spanned<f64>>,
}

/// `[four_keys]`: every `vitals four-keys` flag by its name (paths relative to the file).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FourKeysSection {
    pub git: Option<Spanned<PathBuf>>,
    pub deploy_tag: Option<Spanned<String>>,
    pub deployments: Option<Spanned<PathBuf>>,
    pub incidents: Option<Spanned<PathBuf>>,
    /// The window, e.g. "90d".
    pub since: Option<Spanned<String>>,
    pub hotfix_pattern: Option<Spanned<String>>,
    /// `OWNER/REPO`.
    pub github: Option<Spanned<String>>,
    pub github_api_url: Option<Spanned<String>>,
    pub environment: Option<Spanned<String>>,
    pub deploy_workflow: Option<Spanned<String>>,
    pub incident_label: Option<Spanned<String>>,
    /// `commit`, `first-commit` or `pr-opened`.
    pub lead_time_start: Option<Spanned<String>>,
    pub cache_dir: Option<Spanned<PathBuf>>,
    /// A dashboard or runbook for this section, linked from its reports.
    pub link: Option<Spanned<LinkSetting>>,
    /// Deploy impact from the `[slo]` section on every run (the digest's too).
    pub impact: Option<Spanned<bool>>,
    /// After-window of the impact, e.g. "1h".
    pub impact_window: Option<Spanned<String>>,
    pub impact_threshold: Option<Spanned<f64>>,
    /// `incidents`, `slo` or `both`.
    pub failures_from: Option<Spanned<String>>,
    /// A regex with one capture group: the app version in a deployment's tag.
    pub version_from_tag: Option<Spanned<String>>,
}

/// `[autoscale]`: a trace file, or a live ECS service whose trace CloudWatch holds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSection {
    pub trace: Option<Spanned<PathBuf>>,
    pub policy: Option<Spanned<PathBuf>>,
    pub cluster: Option<Spanned<String>>,
    pub service: Option<Spanned<String>>,
    pub region: Option<Spanned<String>>,
    /// CloudWatch history to fetch, e.g. "14d".
    pub since: Option<Spanned<String>>,
    /// A dashboard or runbook for this section, linked from its reports.
    pub link: Option<Spanned<LinkSetting>>,
}

/// `[network]`: limits on every upstream call.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// The run's network budget, e.g. "5m" (`--timeout` overrides it).
    pub timeout: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackSection {
    /// Channel for `SLACK_BOT_TOKEN` posts.
    pub channel: Option<Spanned<String>>,
    /// How much a post without `--slack-thread` holds: `summary` (the verdicts and what
    /// needs attention) or `full` (every table too).
    pub detail: Option<Spanned<String>>,
}

/// `link = "https://…"`, or `link = { url = "https://…", label = "Runbook" }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum LinkSetting {
    Url(String),
    Labelled { url: String, label: Option<String> },
}

impl LinkSetting {
    /// The URL and its label (the host when none is given), if the URL is http(s).
    pub fn resolve(&self) -> Result<(String, String), String> {
        let (url, label) = match self {
            LinkSetting::Url(url) => (url.trim(), None),
            LinkSetting::Labelled { url, label } => (url.trim(), label.as_deref()),
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .filter(|rest| !rest.is_empty() && !url.contains(char::is_whitespace))
            .ok_or_else(|| format!("{url:?} is not an http(s) URL"))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let label = label.map_or_else(|| host.to_string(), |l| l.trim().to_string());
        Ok((url.to_string(), label))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashFreeSection {
    /// Local export files or globs.
    pub events: Option<Spanned<OneOrMany>>,
    /// `PROJECT.DATASET` of the GA4 export.
    pub bigquery: Option<Spanned<String>>,
    pub days: Option<Spanned<i64>>,
    /// SLO per platform (`IOS`, `ANDROID`), as ratios.
    pub slo: Option<BTreeMap<String, Spanned<f64>>>,
    pub crash: Option<Spanned<CrashKind>>,
    pub platform: Option<Spanned<String>>,
    /// Write the chart here on every run.
    pub chart: Option<Spanned<PathBuf>>,
    /// A dashboard or runbook for this section, linked from its reports.
    pub link: Option<Spanned<LinkSetting>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSection {
    /// OpenSLO files or globs.
    pub specs: Option<Spanned<OneOrMany>>,
    /// Write the burn-down chart here on every run.
    pub chart: Option<Spanned<PathBuf>>,
    /// A dashboard or runbook for this section, linked from its reports.
    pub link: Option<Spanned<LinkSetting>>,
    /// The Prometheus server of `type: Prometheus` sources whose DataSource names none.
    pub prometheus_url: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreshnessSection {
    #[serde(default)]
    pub checks: Vec<FreshnessCheck>,
    /// dbt `sources.yml` files whose sources are checked too.
    pub dbt_sources: Option<Spanned<OneOrMany>>,
    /// dbt's compiled `target/manifest.json`.
    pub dbt_manifest: Option<Spanned<String>>,
    /// A dbt project directory (`dbt_project.yml`, its profile).
    pub dbt_project: Option<Spanned<String>>,
    /// BigQuery project for dbt sources without `database`.
    pub project: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<i64>>,
    /// Per-check timeout, e.g. "60s".
    pub timeout: Option<Spanned<String>>,
    /// Alert state file (with `--slack`): post only on changes.
    pub state: Option<Spanned<PathBuf>>,
    /// Remind about a still-failing check this often, e.g. "6h".
    pub remind_every: Option<Spanned<String>>,
    /// A dashboard or runbook for this section, linked from its reports.
    pub link: Option<Spanned<LinkSetting>>,
}

/// One `[[freshness.checks]]` entry: a local `path` or a BigQuery `table`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreshnessCheck {
    pub name: Spanned<String>,
    pub path: Option<Spanned<PathBuf>>,
    pub table: Option<Spanned<String>>,
    pub loaded_at_field: Option<Spanned<String>>,
    pub filter: Option<Spanned<String>>,
    pub warn_after: Option<Spanned<crate::domain::freshness::Threshold>>,
    pub error_after: Option<Spanned<crate::domain::freshness::Threshold>>,
}

impl ConfigFile {
    /// The `link` of a section's table (`crash_free`, `slo`, …), if it has one.
    pub fn section_link(&self, table: &str) -> Option<&Spanned<LinkSetting>> {
        match table {
            "crash_free" => self.crash_free.as_ref()?.link.as_ref(),
            "slo" => self.slo.as_ref()?.link.as_ref(),
            "freshness" => self.freshness.as_ref()?.link.as_ref(),
            "autoscale" => self.autoscale.as_ref()?.link.as_ref(),
            "four_keys" => self.four_keys.as_ref()?.link.as_ref(),
            _ => None,
        }
    }
}

/// `events = "a.ndjson"` or `events = ["a", "b"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A loaded config: its contents and where it lives.
#[derive(Debug, Default)]
pub struct Config {
    pub file: ConfigFile,
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Base for relative paths: the file's folder, else the working directory.
    pub dir: PathBuf,
    text: String,
}

/// The default file, read when it exists.
pub const DEFAULT_PATH: &str = "vitals.toml";

impl Config {
    /// Loads `explicit`, or `./vitals.toml` when present, or nothing.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_PATH).is_file() => PathBuf::from(DEFAULT_PATH),
            None => {
                return Ok(Config {
                    dir: PathBuf::from("."),
                    ..Config::default()
                })
            }
        };
        let text = crate::fs::read_input(&path, crate::fs::MAX_TOML_BYTES)
            .map_err(|why| ConfigError(format!("{}: config: {why}", path.display())))?;
        Config::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| line_col(text, s.start));
            let mut message = e.message().trim().replace('\n', " ");
            // toml says only "duplicate key": name it, and say how lists are written.
            if message == "duplicate key" {
                if let Some(key) = e.span().and_then(|s| text.get(s)) {
                    message = format!(
                        "duplicate key `{}`: a section or key may appear once (lists of checks are [[freshness.checks]])",
                        key.trim()
                    );
                }
            }
            match at {
                Some((line, col)) => {
                    ConfigError(format!("{}:{line}:{col}: {message}", path.display()))
                }
                None => ConfigError(format!("{}: {message}", path.display())),
            }
        })?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Config {
            file,
            path: Some(path.to_path_buf()),
            dir,
            text: text.to_string(),
        })
    }

    /// A path from the config, resolved against the config's folder.
    pub fn resolve(&self, path: impl AsRef<Path>) -> PathBuf {
        let path = path.as_ref();
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.dir.join(path)
        }
    }

    /// An error about a value, as `file:line:col: key: message`.
    pub fn error_at<T>(
        &self,
        value: &Spanned<T>,
        key: &str,
        message: impl std::fmt::Display,
    ) -> ConfigError {
        self.error_at_span(&value.span(), key, message)
    }

    /// [`Config::error_at`] for a value at a byte span of the file.
    pub fn error_at_span(
        &self,
        span: &std::ops::Range<usize>,
        key: &str,
        message: impl std::fmt::Display,
    ) -> ConfigError {
        ConfigError(format!("{}: {key}: {message}", self.position(span)))
    }

    /// `file:line:col` of a byte span of the file.
    pub fn position(&self, span: &std::ops::Range<usize>) -> String {
        let path = self
            .path
            .as_deref()
            .unwrap_or(Path::new(DEFAULT_PATH))
            .display();
        let (line, col) = line_col(&self.text, span.start);
        format!("{path}:{line}:{col}")
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("conf/vitals.toml"))
    }

    #[test]
    fn a_section_given_twice_is_named_with_its_line() {
        let err = parse("[crash_free]\ndays = 30\n[slo]\nspecs = []\n[crash_free]\ndays = 7\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("conf/vitals.toml:5:2: duplicate key `crash_free`: "),
            "{err}"
        );
    }

    #[test]
    fn the_contract_example_parses() {
        let config = parse(
            r##"
timezone = "Asia/Tokyo"
[slack]
channel = "#reliability"
[crash_free]
events = ["data/ga4/*.ndjson.gz"]
days = 60
slo = { IOS = 0.9995, ANDROID = 0.996 }
[slo]
specs = ["slo/*.yaml"]
[[freshness.checks]]
name = "exports.daily"
path = "data/exports/*.csv"
warn_after = "2h"
error_after = "1d"
[autoscale]
trace = "data/api-cpu.csv"
policy = "autoscale/api.toml"
[four_keys]
git = "."
deploy_tag = "deploy/*"
"##,
        )
        .unwrap();
        let crash = config.file.crash_free.as_ref().unwrap();
        assert_eq!(crash.days.as_ref().unwrap().get_ref(), &60);
        assert_eq!(config.resolve("data/x"), Path::new("conf/data/x"));
    }

    #[test]
    fn a_typo_names_the_file_line_and_key() {
        let err = parse("[crash_free]\ndays = 60\ndayz = 7\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("conf/vitals.toml:3:1: unknown field `dayz`"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn section_links_are_http_urls_labelled_by_their_host_unless_named() {
        let config = parse(
            "[slo]\nlink = \"https://grafana.example.com/d/slo?x=1\"\n[four_keys]\nlink = { url = \"https://wiki/runbook\", label = \"Runbook\" }\n[crash_free]\nlink = \"ftp://x\"\n",
        )
        .unwrap();
        let link = |t: &str| config.file.section_link(t).unwrap().get_ref().resolve();
        assert_eq!(
            link("slo").unwrap(),
            (
                "https://grafana.example.com/d/slo?x=1".to_string(),
                "grafana.example.com".to_string()
            )
        );
        assert_eq!(link("four_keys").unwrap().1, "Runbook");
        assert_eq!(
            link("crash_free").unwrap_err(),
            "\"ftp://x\" is not an http(s) URL"
        );
        assert!(config.file.section_link("freshness").is_none());
    }

    #[test]
    fn a_wrong_type_names_the_line() {
        let err = parse("[crash_free]\ndays = \"sixty\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("conf/vitals.toml:2:8: "), "{err}");
    }

    #[test]
    fn value_errors_point_at_the_value() {
        let config = parse("[crash_free]\n\ndays = 0\n").unwrap();
        let days = config
            .file
            .crash_free
            .as_ref()
            .unwrap()
            .days
            .as_ref()
            .unwrap();
        let err = config
            .error_at(days, "crash_free.days", "must be at least 1")
            .to_string();
        assert_eq!(
            err,
            "conf/vitals.toml:3:8: crash_free.days: must be at least 1"
        );
    }
}
