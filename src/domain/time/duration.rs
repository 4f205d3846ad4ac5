//! Durations as people write them: a whole count and a unit (`30m`, `2h`, `1 day`, `1M`).
//! One tokeniser; each context brings its own table of unit spellings, because they differ:
//! OpenSLO's are case-sensitive (`m` a minute, `M` a month), dbt's allow `90 minutes`, and
//! vitals' own flags take seconds to days.

use chrono::Duration;

/// The unit spellings a context accepts.
pub struct Units<U: 'static> {
    pub names: &'static [(&'static str, U)],
    /// Whether space may stand between count and unit (`1 day`).
    pub spaced: bool,
}

/// Why a text is not a count and a unit; each context words it for its users.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError<'t> {
    /// It does not start with a whole number (or one too large).
    NoCount,
    /// A number without a unit.
    NoUnit,
    /// A unit the table does not have, as written.
    UnknownUnit(&'t str),
}

/// Splits `text` into its count and unit (surrounding space ignored).
pub fn tokenize<'t, U: Copy>(text: &'t str, units: &Units<U>) -> Result<(u64, U), TokenError<'t>> {
    let t = text.trim();
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = t.split_at(digits);
    let count: u64 = number.parse().map_err(|_| TokenError::NoCount)?;
    let unit = if units.spaced { unit.trim() } else { unit };
    if unit.is_empty() {
        return Err(TokenError::NoUnit);
    }
    units
        .names
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, u)| (count, *u))
        .ok_or(TokenError::UnknownUnit(unit))
}

/// Units of vitals' own duration flags and keys (`--since`, `--timeout`, `remind_every`).
const FLAG_UNITS: Units<i64> = Units {
    names: &[("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)],
    spaced: true,
};

/// `90s`, `30m`, `6h`, `2d`: durations of flags and config keys like `--since`, `--timeout`
/// and `remind_every`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let (count, seconds) = tokenize(text, &FLAG_UNITS).map_err(|e| match e {
        TokenError::NoCount => format!("{text:?} is not a duration like 30s, 5m, 6h or 1d"),
        TokenError::NoUnit | TokenError::UnknownUnit(_) => {
            format!("{text:?}: unknown unit (use s, m, h or d)")
        }
    })?;
    if count == 0 {
        return Err(format!("{text:?} must be positive"));
    }
    i64::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(seconds))
        .and_then(Duration::try_seconds)
        .filter(|d| *d <= Duration::days(36_500))
        .ok_or_else(|| format!("{text:?} is longer than vitals handles (100 years)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNITS: Units<char> = Units {
        names: &[("m", 'm'), ("M", 'M'), ("day", 'd')],
        spaced: false,
    };

    #[test]
    fn a_duration_is_a_whole_count_then_a_unit_from_the_context_table() {
        assert_eq!(tokenize(" 30m ", &UNITS), Ok((30, 'm')));
        assert_eq!(tokenize("1M", &UNITS), Ok((1, 'M')), "case matters");
        assert_eq!(tokenize("2day", &UNITS), Ok((2, 'd')));
        assert_eq!(tokenize("m", &UNITS), Err(TokenError::NoCount));
        assert_eq!(tokenize("-1m", &UNITS), Err(TokenError::NoCount));
        assert_eq!(tokenize("30", &UNITS), Err(TokenError::NoUnit));
        assert_eq!(
            tokenize("1.5m", &UNITS),
            Err(TokenError::UnknownUnit(".5m"))
        );
        assert_eq!(
            tokenize("2 day", &UNITS),
            Err(TokenError::UnknownUnit(" day"))
        );
        let spaced = Units {
            spaced: true,
            ..UNITS
        };
        assert_eq!(tokenize("2 day", &spaced), Ok((2, 'd')));
        assert_eq!(
            tokenize("99999999999999999999m", &UNITS),
            Err(TokenError::NoCount),
            "too large a count is no count"
        );
    }

    #[test]
    fn flag_durations_take_seconds_to_days_and_must_be_positive_and_sane() {
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration(" 6 h"), Ok(Duration::hours(6)));
        assert_eq!(parse_duration("2d"), Ok(Duration::days(2)));
        assert_eq!(
            parse_duration("9x").unwrap_err(),
            "\"9x\": unknown unit (use s, m, h or d)"
        );
        assert_eq!(
            parse_duration("soon").unwrap_err(),
            "\"soon\" is not a duration like 30s, 5m, 6h or 1d"
        );
        assert_eq!(parse_duration("0d").unwrap_err(), "\"0d\" must be positive");
        assert!(parse_duration("36501d").unwrap_err().contains("100 years"));
        assert!(parse_duration("99999999999999999d")
            .unwrap_err()
            .contains("100 years"));
    }
}
