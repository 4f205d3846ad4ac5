//! The indicator's data as plain, time-sorted series, and the contract's counter rule.
//!
//! Adapters (CSV, CloudWatch, BigQuery) produce these; evaluation assumes rows sorted by
//! strictly increasing time, which [`Series::validate`] checks in one pass.

use chrono::{DateTime, Utc};

/// One interval of a ratio metric: its own good and total event counts, stamped `t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatioRow {
    pub t: DateTime<Utc>,
    pub good: f64,
    pub total: f64,
}

/// One observation of a threshold metric (e.g. p95 latency in ms), stamped `t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValueRow {
    pub t: DateTime<Utc>,
    pub value: f64,
}

/// An SLI's data: a ratio metric (`good`/`total` per row) or a threshold metric.
#[derive(Clone, Debug, PartialEq)]
pub enum Series {
    Ratio(Vec<RatioRow>),
    Threshold(Vec<ValueRow>),
}

impl Series {
    /// A ratio metric from `(t, good, total)` rows.
    pub fn good_total(rows: impl IntoIterator<Item = (DateTime<Utc>, f64, f64)>) -> Series {
        Series::Ratio(
            rows.into_iter()
                .map(|(t, good, total)| RatioRow { t, good, total })
                .collect(),
        )
    }

    /// A ratio metric written as `bad`/`total` (OpenSLO's `ratioMetric.bad`): good is
    /// total − bad.
    pub fn bad_total(rows: impl IntoIterator<Item = (DateTime<Utc>, f64, f64)>) -> Series {
        Series::Ratio(
            rows.into_iter()
                .map(|(t, bad, total)| RatioRow {
                    t,
                    good: total - bad,
                    total,
                })
                .collect(),
        )
    }

    /// A threshold metric from `(t, value)` rows.
    pub fn values(rows: impl IntoIterator<Item = (DateTime<Utc>, f64)>) -> Series {
        Series::Threshold(
            rows.into_iter()
                .map(|(t, value)| ValueRow { t, value })
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        match self {
            Series::Ratio(rows) => rows.len(),
            Series::Threshold(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks what evaluation relies on: timestamps strictly increase, values are finite,
    /// and for ratios 0 ≤ good ≤ total (otherwise a row would add budget instead of spending
    /// it). Rows are numbered from 1 in the series' order; callers add the file or query.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Series::Ratio(rows) => {
                validate_order(rows.iter().map(|r| r.t))?;
                for (i, r) in rows.iter().enumerate() {
                    let n = i + 1;
                    if !r.good.is_finite() || !r.total.is_finite() {
                        return Err(format!("row {n}: good and total must be numbers"));
                    }
                    if r.good < 0.0 {
                        return Err(format!(
                            "row {n}: good ({}) is negative (bad greater than total?)",
                            r.good
                        ));
                    }
                    if r.good > r.total {
                        return Err(format!(
                            "row {n}: good ({}) exceeds total ({})",
                            r.good, r.total
                        ));
                    }
                }
                Ok(())
            }
            Series::Threshold(rows) => {
                validate_order(rows.iter().map(|r| r.t))?;
                match rows.iter().position(|r| !r.value.is_finite()) {
                    Some(i) => Err(format!("row {}: the value must be a number", i + 1)),
                    None => Ok(()),
                }
            }
        }
    }
}

/// `Err("row N: timestamps must increase")` for the first row (numbered from 1) whose
/// timestamp is not after the previous one: unsorted data or a duplicate.
pub fn validate_order(times: impl IntoIterator<Item = DateTime<Utc>>) -> Result<(), String> {
    let mut previous: Option<DateTime<Utc>> = None;
    for (i, t) in times.into_iter().enumerate() {
        if previous.is_some_and(|p| t <= p) {
            return Err(format!("row {}: timestamps must increase", i + 1));
        }
        previous = Some(t);
    }
    Ok(())
}

/// Per-interval events from a cumulative counter (`ratioMetric.counter: true`): each row's
/// increase over the previous one, where a drop is a reset and counts from zero (the new
/// value itself). The first row is the baseline and adds 0, since what happened before it
/// is unknown. One output row per input row, so good and total counters stay aligned.
pub fn counter_increases(samples: &[(DateTime<Utc>, f64)]) -> Vec<(DateTime<Utc>, f64)> {
    let mut previous: Option<f64> = None;
    samples
        .iter()
        .map(|&(t, v)| (t, increase(previous.replace(v), v)))
        .collect()
}

/// [`counter_increases`] for a ratio's two counters side by side: `(t, numerator, total)`
/// rows of cumulative values become rows of per-interval increases.
pub fn ratio_counter_increases(
    rows: &[(DateTime<Utc>, f64, f64)],
) -> Vec<(DateTime<Utc>, f64, f64)> {
    let mut previous: Option<(f64, f64)> = None;
    rows.iter()
        .map(|&(t, n, d)| {
            let (pn, pd) = previous.replace((n, d)).unzip();
            (t, increase(pn, n), increase(pd, d))
        })
        .collect()
}

/// One counter row's increase over the `previous` value: 0 for the first row (the
/// baseline), the value itself after a drop (a reset), else the difference.
fn increase(previous: Option<f64>, value: f64) -> f64 {
    match previous {
        None => 0.0,
        Some(p) if value < p => value,
        Some(p) => value - p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, minute, 0).unwrap()
    }

    #[test]
    fn a_counter_window_counts_its_increase() {
        let inc = counter_increases(&[(at(0), 100.0), (at(1), 130.0), (at(2), 130.0)]);
        assert_eq!(inc, [(at(0), 0.0), (at(1), 30.0), (at(2), 0.0)]);
    }

    #[test]
    fn a_counter_drop_is_a_reset_that_counts_from_zero() {
        let inc = counter_increases(&[(at(0), 100.0), (at(1), 130.0), (at(2), 7.0), (at(3), 10.0)]);
        assert_eq!(
            inc,
            [(at(0), 0.0), (at(1), 30.0), (at(2), 7.0), (at(3), 3.0)]
        );
        assert!(counter_increases(&[]).is_empty());
    }

    #[test]
    fn a_ratios_two_counters_reset_independently() {
        let inc = ratio_counter_increases(&[
            (at(0), 10.0, 100.0),
            (at(1), 12.0, 130.0),
            (at(2), 3.0, 140.0),
            (at(3), 5.0, 20.0),
        ]);
        assert_eq!(
            inc,
            [
                (at(0), 0.0, 0.0),
                (at(1), 2.0, 30.0),
                (at(2), 3.0, 10.0),
                (at(3), 2.0, 20.0)
            ]
        );
        assert!(ratio_counter_increases(&[]).is_empty());
    }

    #[test]
    fn bad_over_total_becomes_good_over_total() {
        let s = Series::bad_total([(at(0), 2.0, 10.0)]);
        assert_eq!(
            s,
            Series::Ratio(vec![RatioRow {
                t: at(0),
                good: 8.0,
                total: 10.0
            }])
        );
    }

    #[test]
    fn timestamps_must_strictly_increase() {
        assert_eq!(validate_order([at(0), at(1), at(2)]), Ok(()));
        assert_eq!(
            validate_order([at(0), at(2), at(1)]),
            Err("row 3: timestamps must increase".to_string())
        );
        assert_eq!(
            validate_order([at(0), at(0)]),
            Err("row 2: timestamps must increase".to_string())
        );
        assert_eq!(
            Series::values([(at(1), 1.0), (at(1), 2.0)]).validate(),
            Err("row 2: timestamps must increase".to_string())
        );
    }

    #[test]
    fn ratio_rows_must_have_good_within_total() {
        assert!(Series::good_total([(at(0), 10.0, 10.0), (at(1), 0.0, 0.0)])
            .validate()
            .is_ok());
        assert_eq!(
            Series::good_total([(at(0), 1.0, 1.0), (at(1), 11.0, 10.0)]).validate(),
            Err("row 2: good (11) exceeds total (10)".to_string())
        );
        assert_eq!(
            Series::bad_total([(at(0), 12.0, 10.0)]).validate(),
            Err("row 1: good (-2) is negative (bad greater than total?)".to_string())
        );
        assert!(Series::good_total([(at(0), f64::NAN, 1.0)])
            .validate()
            .unwrap_err()
            .contains("row 1"));
        assert!(Series::values([(at(0), f64::INFINITY)])
            .validate()
            .unwrap_err()
            .contains("row 1"));
    }
}
