//! The pure part of a Prometheus range query: the step (`spec.step`) and the calls' time
//! ranges, aligned and chunked as the contract says. The `{{window}}` placeholder is shared
//! with the rules generator ([`crate::domain::slo::rules`]).

use chrono::{DateTime, Utc};

/// At most this many points per series in one `query_range` call: Prometheus refuses more
/// than 11,000, and other servers (Thanos, Mimir) have similar limits.
pub const MAX_POINTS_PER_CALL: i64 = 10_000;

/// The step when `spec.step` is absent.
pub const DEFAULT_STEP_SECONDS: i64 = 60;

/// A step or window as Prometheus writes durations: `30s`, `1m`, `1h30m`, `1d`, `1w`.
/// Whole seconds only; `ms` and `y` are refused (a step is never that fine or that long).
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a duration such as 30s, 1m, 5m or 1h");
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return if seconds > 0 { Ok(seconds) } else { Err(bad()) };
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

/// The evaluation times the contract asks for, as epoch seconds: from window start + step to
/// now, both rounded down to a multiple of the step. `None` when no step fits.
pub fn aligned_range(since: DateTime<Utc>, now: DateTime<Utc>, step: i64) -> Option<(i64, i64)> {
    let start = (since.timestamp() + step).div_euclid(step) * step;
    let end = now.timestamp().div_euclid(step) * step;
    (start <= end).then_some((start, end))
}

/// `[start, end]` (both evaluation times) cut into calls of at most [`MAX_POINTS_PER_CALL`]
/// points each; no time is asked twice.
pub fn chunks(start: i64, end: i64, step: i64) -> Vec<(i64, i64)> {
    let span = (MAX_POINTS_PER_CALL - 1) * step;
    let mut out = Vec::new();
    let mut from = start;
    while from <= end {
        let to = (from + span).min(end);
        out.push((from, to));
        from = to + step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn steps_are_prometheus_durations_in_whole_seconds() {
        assert_eq!(parse_duration("1m"), Ok(60));
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        assert_eq!(parse_duration("120"), Ok(120));
        for bad in ["", "0m", "m", "1M", "1.5m", "500ms", "-1m", "0"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn range_start_is_the_window_start_plus_a_step_and_both_ends_round_down() {
        let t = |h, m, s| {
            Utc.with_ymd_and_hms(2026, 3, 1, h, m, s)
                .unwrap()
                .timestamp()
        };
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 3, 1, h, m, s).unwrap();
        assert_eq!(
            aligned_range(at(0, 0, 0), at(1, 0, 30), 60),
            Some((t(0, 1, 0), t(1, 0, 0)))
        );
        // A start between steps: the first sample is the first step boundary after it + step.
        assert_eq!(
            aligned_range(at(0, 0, 20), at(0, 10, 0), 300),
            Some((t(0, 5, 0), t(0, 10, 0)))
        );
        assert_eq!(aligned_range(at(0, 0, 0), at(0, 0, 59), 60), None);
    }

    #[test]
    fn calls_hold_at_most_ten_thousand_points_and_never_overlap() {
        // 30 days at one minute: 43,200 points in five calls.
        let (start, end) = (60, 43_200 * 60);
        let calls = chunks(start, end, 60);
        assert_eq!(calls.len(), 5);
        let points = |(a, b): &(i64, i64)| (b - a) / 60 + 1;
        assert_eq!(calls.iter().map(points).sum::<i64>(), 43_200);
        assert!(calls.iter().map(points).all(|n| n <= MAX_POINTS_PER_CALL));
        assert!(calls.windows(2).all(|w| w[1].0 == w[0].1 + 60));
        assert_eq!(chunks(120, 120, 60), [(120, 120)]);
    }
}
