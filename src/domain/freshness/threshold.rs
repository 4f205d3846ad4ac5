//! `warn_after` / `error_after` values: `"30m"`, `"2h"`, `"1d"` or dbt's `{count, period}`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::time::duration::{tokenize, TokenError, Units};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Minute,
    Hour,
    Day,
}

impl Period {
    pub fn seconds(self) -> u64 {
        match self {
            Period::Minute => 60,
            Period::Hour => 3600,
            Period::Day => 86_400,
        }
    }
}

/// dbt's periods, as `warn_after = "2h"` may spell them.
const PERIODS: Units<Period> = Units {
    names: &[
        ("m", Period::Minute),
        ("min", Period::Minute),
        ("minute", Period::Minute),
        ("minutes", Period::Minute),
        ("h", Period::Hour),
        ("hour", Period::Hour),
        ("hours", Period::Hour),
        ("d", Period::Day),
        ("day", Period::Day),
        ("days", Period::Day),
    ],
    spaced: true,
};

/// A duration as dbt writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Threshold {
    pub count: u64,
    pub period: Period,
}

impl Threshold {
    pub fn seconds(&self) -> f64 {
        // As a float: a huge count must compare as huge, not overflow.
        self.count as f64 * self.period.seconds() as f64
    }

    /// Parses `"30m"`, `"2h"`, `"1d"` (also `"90 minutes"`, `"1 day"`).
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let (count, period) = tokenize(text, &PERIODS).map_err(|e| match e {
            TokenError::NoCount => {
                format!("{text:?} is not a duration like \"30m\", \"2h\" or \"1d\"")
            }
            TokenError::NoUnit => Self::unknown(text, ""),
            TokenError::UnknownUnit(other) => Self::unknown(text, other),
        })?;
        Threshold::new(count, period)
    }

    fn unknown(text: &str, period: &str) -> String {
        format!("{text:?}: unknown period {period:?} (use m, h or d: minute, hour, day)")
    }

    pub fn new(count: u64, period: Period) -> Result<Threshold, String> {
        if count == 0 {
            return Err("count must be a positive integer".into());
        }
        Ok(Threshold { count, period })
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period {
            Period::Minute => "m",
            Period::Hour => "h",
            Period::Day => "d",
        };
        write!(f, "{}{unit}", self.count)
    }
}

/// Accepts both spellings; errors name what was wrong.
impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Threshold, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Parts { count: i64, period: String },
        }
        use serde::de::Error;
        match Raw::deserialize(d)
            .map_err(|_| D::Error::custom("expected \"2h\" or {count = 2, period = \"hour\"}"))?
        {
            Raw::Text(t) => Threshold::parse(&t).map_err(D::Error::custom),
            Raw::Parts { count, period } => {
                let period = match period.as_str() {
                    "minute" => Period::Minute,
                    "hour" => Period::Hour,
                    "day" => Period::Day,
                    other => {
                        return Err(D::Error::custom(format!(
                            "unknown period {other:?} (expected minute, hour or day)"
                        )))
                    }
                };
                let count = u64::try_from(count).map_err(|_| {
                    D::Error::custom(format!("count {count} must be a positive integer"))
                })?;
                Threshold::new(count, period).map_err(D::Error::custom)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_parse() {
        assert_eq!(
            Threshold::parse("30m").unwrap(),
            Threshold {
                count: 30,
                period: Period::Minute
            }
        );
        assert_eq!(Threshold::parse("2h").unwrap().seconds(), 7200.0);
        assert_eq!(
            Threshold::parse("1 day").unwrap(),
            Threshold {
                count: 1,
                period: Period::Day
            }
        );
        assert!(Threshold::parse("2w")
            .unwrap_err()
            .contains("unknown period \"w\""));
        assert!(Threshold::parse("h").is_err());
        assert!(Threshold::parse("0h").is_err());
    }

    #[test]
    fn dbt_forms_parse_and_bad_ones_explain() {
        let t: Threshold = serde_json::from_str(r#"{"count": 12, "period": "hour"}"#).unwrap();
        assert_eq!(t.to_string(), "12h");
        let err = serde_json::from_str::<Threshold>(r#"{"count": 1, "period": "fortnight"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown period \"fortnight\""), "{err}");
        let err = serde_json::from_str::<Threshold>(r#"{"count": -2, "period": "hour"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be a positive integer"), "{err}");
    }
}
