//! OpenSLO durations (`"5m"`, `"28d"`, `"1M"`): a count and a unit, where case matters.
//!
//! The unit is kept rather than converted at once, because a calendar window needs to know
//! "one month" while a rolling window needs a fixed length.

use std::fmt;

use chrono::Duration;

use crate::domain::time::duration::{tokenize, TokenError, Units};
pub use crate::domain::time::Unit as DurationUnit;

/// OpenSLO's units: case matters, `m` is a minute and `M` a month.
const OPENSLO_UNITS: Units<DurationUnit> = Units {
    names: &[
        ("m", DurationUnit::Minute),
        ("h", DurationUnit::Hour),
        ("d", DurationUnit::Day),
        ("w", DurationUnit::Week),
        ("M", DurationUnit::Month),
        ("Q", DurationUnit::Quarter),
        ("Y", DurationUnit::Year),
    ],
    spaced: false,
};

/// How OpenSLO writes a unit.
fn symbol(unit: DurationUnit) -> &'static str {
    OPENSLO_UNITS
        .names
        .iter()
        .find(|(_, u)| *u == unit)
        .map_or("?", |(name, _)| name)
}

/// Fixed length of one unit in a rolling window: a month is 30 days, a quarter 90, a year
/// 365, as the contract says.
fn rolling_minutes(unit: DurationUnit) -> i64 {
    match unit {
        DurationUnit::Minute => 1,
        DurationUnit::Hour => 60,
        DurationUnit::Day => 1_440,
        DurationUnit::Week => 7 * 1_440,
        DurationUnit::Month => 30 * 1_440,
        DurationUnit::Quarter => 90 * 1_440,
        DurationUnit::Year => 365 * 1_440,
    }
}

/// A positive whole number of [`DurationUnit`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SloDuration {
    pub count: u32,
    pub unit: DurationUnit,
}

/// Rolling lengths beyond this (about 1000 years) are certainly typos, and would overflow.
const MAX_ROLLING_MINUTES: i64 = 1_000 * 365 * 1_440;

impl SloDuration {
    /// Parses `"<count><unit>"` with unit one of `m h d w M Q Y`, e.g. `"30m"`, `"1M"`.
    pub fn parse(text: &str) -> Result<SloDuration, String> {
        let (count, unit) = tokenize(text, &OPENSLO_UNITS).map_err(|e| match e {
            TokenError::NoCount => {
                format!("duration {text:?} must start with a whole number, e.g. \"30m\" or \"1M\"")
            }
            TokenError::NoUnit => format!(
                "duration {text:?} has no unit (use m, h, d, w, M, Q or Y, e.g. \"30m\", \"1M\")"
            ),
            TokenError::UnknownUnit(other) => format!(
                "duration {text:?}: unknown unit {other:?} (units are case-sensitive: \
                 m minute, h hour, d day, w week, M month, Q quarter, Y year)"
            ),
        })?;
        let count = u32::try_from(count).map_err(|_| {
            format!("duration {text:?} must start with a whole number, e.g. \"30m\" or \"1M\"")
        })?;
        SloDuration::new(count, unit).map_err(|e| format!("duration {text:?}: {e}"))
    }

    pub fn new(count: u32, unit: DurationUnit) -> Result<SloDuration, String> {
        if count == 0 {
            return Err("the count must be at least 1".into());
        }
        if i64::from(count) * rolling_minutes(unit) > MAX_ROLLING_MINUTES {
            return Err("longer than 1000 years".into());
        }
        Ok(SloDuration { count, unit })
    }

    /// The fixed length this duration has in a rolling window or as a time slice.
    pub fn rolling(&self) -> Duration {
        Duration::minutes(i64::from(self.count) * rolling_minutes(self.unit))
    }
}

impl fmt::Display for SloDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.count, symbol(self.unit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unit_parses_with_its_case() {
        let cases = [
            ("1m", DurationUnit::Minute),
            ("1h", DurationUnit::Hour),
            ("1d", DurationUnit::Day),
            ("1w", DurationUnit::Week),
            ("1M", DurationUnit::Month),
            ("1Q", DurationUnit::Quarter),
            ("1Y", DurationUnit::Year),
        ];
        for (text, unit) in cases {
            assert_eq!(
                SloDuration::parse(text).unwrap(),
                SloDuration { count: 1, unit },
                "{text}"
            );
        }
    }

    #[test]
    fn lowercase_m_is_one_minute_and_uppercase_m_a_month() {
        assert_eq!(
            SloDuration::parse("1m").unwrap().rolling(),
            Duration::minutes(1)
        );
        assert_eq!(
            SloDuration::parse("1M").unwrap().rolling(),
            Duration::days(30)
        );
    }

    #[test]
    fn rolling_month_is_30_days_quarter_90_year_365() {
        assert_eq!(
            SloDuration::parse("1M").unwrap().rolling(),
            Duration::days(30)
        );
        assert_eq!(
            SloDuration::parse("2M").unwrap().rolling(),
            Duration::days(60)
        );
        assert_eq!(
            SloDuration::parse("1Q").unwrap().rolling(),
            Duration::days(90)
        );
        assert_eq!(
            SloDuration::parse("1Y").unwrap().rolling(),
            Duration::days(365)
        );
        assert_eq!(
            SloDuration::parse("4w").unwrap().rolling(),
            Duration::days(28)
        );
        assert_eq!(
            SloDuration::parse("28d").unwrap().rolling(),
            Duration::days(28)
        );
        assert_eq!(
            SloDuration::parse("6h").unwrap().rolling(),
            Duration::hours(6)
        );
    }

    #[test]
    fn durations_print_as_written() {
        assert_eq!(SloDuration::parse("28d").unwrap().to_string(), "28d");
        assert_eq!(SloDuration::parse(" 1M ").unwrap().to_string(), "1M");
    }

    #[test]
    fn bad_durations_explain_themselves() {
        let err = SloDuration::parse("1D").unwrap_err();
        assert!(
            err.contains("unknown unit \"D\"") && err.contains("case-sensitive"),
            "{err}"
        );
        assert!(SloDuration::parse("30").unwrap_err().contains("no unit"));
        assert!(SloDuration::parse("m")
            .unwrap_err()
            .contains("whole number"));
        assert!(SloDuration::parse("1.5h")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(SloDuration::parse("-1d")
            .unwrap_err()
            .contains("whole number"));
        assert!(SloDuration::parse("0d").unwrap_err().contains("at least 1"));
        assert!(SloDuration::parse("5000Y")
            .unwrap_err()
            .contains("1000 years"));
        assert!(SloDuration::parse("").is_err());
    }
}
