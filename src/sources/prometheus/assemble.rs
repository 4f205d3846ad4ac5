//! Fetched samples → the domain's [`Series`], by the contract's rules: a ratio's two queries
//! on the union of their times (a query with no sample at a time had no events then: a
//! counter keeps its last value, a count is 0), counters turned into per-interval increases
//! (a drop is a reset), and every value checked.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::domain::rfc3339;
use crate::domain::slo::{ratio_counter_increases, Series};

/// Summed samples of one query, each stamped with the start of the interval it covers.
pub type Points = [(DateTime<Utc>, f64)];

/// A ratio metric from its numerator (`good`, or `bad` when `numerator_is_good` is false)
/// and total queries. Errors name the query (`good`, `bad`, `total`) and the time.
pub fn ratio(
    numerator: &Points,
    total: &Points,
    counter: bool,
    numerator_is_good: bool,
) -> Result<Series, String> {
    let role = if numerator_is_good { "good" } else { "bad" };
    for (points, role) in [(numerator, role), (total, "total")] {
        if let Some((t, v)) = points.iter().find(|(_, v)| *v < 0.0) {
            let what = if counter { "counter" } else { "count" };
            return Err(format!(
                "{role}: the query returned {v} at {}: a {what} cannot be negative",
                rfc3339::format(t)
            ));
        }
    }
    let mut union: BTreeMap<DateTime<Utc>, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for (t, v) in numerator {
        union.entry(*t).or_default().0 = Some(*v);
    }
    for (t, v) in total {
        union.entry(*t).or_default().1 = Some(*v);
    }
    let (mut last_n, mut last_d) = (0.0, 0.0);
    let mut rows: Vec<(DateTime<Utc>, f64, f64)> = Vec::with_capacity(union.len());
    for (t, (n, d)) in union {
        // A missing counter sample: nothing counted since the last one (or since it began).
        let (n, d) = if counter {
            (n.unwrap_or(last_n), d.unwrap_or(last_d))
        } else {
            (n.unwrap_or(0.0), d.unwrap_or(0.0))
        };
        (last_n, last_d) = (n, d);
        rows.push((t, n, d));
    }
    if counter {
        rows = ratio_counter_increases(&rows);
    }
    Ok(if numerator_is_good {
        Series::good_total(rows)
    } else {
        Series::bad_total(rows)
    })
}

/// A raw ratio metric: each sample is a share of good (or, `failure`, of bad) in [0, 1], and
/// counts as one unit.
pub fn raw(points: &Points, failure: bool) -> Result<Series, String> {
    if let Some((t, v)) = points.iter().find(|(_, v)| !(0.0..=1.0).contains(v)) {
        return Err(format!(
            "the query returned {v} at {}, which is not a ratio in [0, 1]",
            rfc3339::format(t)
        ));
    }
    Ok(Series::good_total(points.iter().map(|&(t, r)| {
        let good = if failure { 1.0 - r } else { r };
        (t, good, 1.0)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::RatioRow;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, minute, 0).unwrap()
    }

    fn rows(series: Series) -> Vec<(u32, f64, f64)> {
        let Series::Ratio(rows) = series else {
            panic!("not a ratio")
        };
        rows.iter()
            .map(|RatioRow { t, good, total }| (((*t - at(0)).num_minutes()) as u32, *good, *total))
            .collect()
    }

    #[test]
    fn a_count_missing_at_a_time_the_other_query_has_is_zero() {
        // `sum(increase(errors[1m]))` has no series until the first error.
        let bad = [(at(2), 3.0)];
        let total = [(at(0), 100.0), (at(1), 100.0), (at(2), 90.0)];
        assert_eq!(
            rows(ratio(&bad, &total, false, false).unwrap()),
            [(0, 100.0, 100.0), (1, 100.0, 100.0), (2, 87.0, 90.0)]
        );
    }

    #[test]
    fn a_counter_missing_for_a_while_keeps_its_last_value_and_a_drop_is_a_reset() {
        let good = [(at(0), 10.0), (at(1), 15.0), (at(3), 25.0), (at(4), 4.0)];
        let total = [
            (at(0), 12.0),
            (at(1), 18.0),
            (at(2), 22.0),
            (at(3), 35.0),
            (at(4), 5.0),
        ];
        assert_eq!(
            rows(ratio(&good, &total, true, true).unwrap()),
            [
                (0, 0.0, 0.0),
                (1, 5.0, 6.0),
                (2, 0.0, 4.0),
                (3, 10.0, 13.0),
                (4, 4.0, 5.0)
            ]
        );
    }

    #[test]
    fn negative_counts_are_refused_with_the_query_and_the_time() {
        let error = ratio(&[(at(1), -1.0)], &[(at(1), 5.0)], false, true).unwrap_err();
        assert_eq!(
            error,
            "good: the query returned -1 at 2026-03-01T00:01:00Z: a count cannot be negative"
        );
    }

    #[test]
    fn a_raw_ratio_is_one_unit_per_sample_and_must_be_a_ratio() {
        assert_eq!(rows(raw(&[(at(0), 0.25)], true).unwrap()), [(0, 0.75, 1.0)]);
        assert!(raw(&[(at(0), 1.5)], false)
            .unwrap_err()
            .contains("not a ratio in [0, 1]"));
    }
}
