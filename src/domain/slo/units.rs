//! What a budget counts, as one time-sorted list: events for `Occurrences`, slices for the
//! slice methods. Everything after this (budget, burn rates, burn-down) sums `good`/`total`
//! over a span of these units, whatever the method.
//!
//! A unit is a [`RatioRow`]: an event row keeps its own stamp; a slice is stamped with its
//! start and has `total` 1 and `good` 1 or 0 (`Timeslices`) or its ratio
//! (`RatioTimeslices`), so one bad slice spends one slice of budget. A slice therefore
//! belongs to a window (or burn window) when its start does, including the slice still in
//! progress at `now`.

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};

use super::budget::Tally;
use super::series::{RatioRow, Series};
use super::spec::{BudgetingMethod, Objective, Threshold};

/// The units stamped in `[from, to)` (for slices: slices starting in it, on a grid of
/// `slice` from `origin`). Ratio rows under `Occurrences` are borrowed, not copied.
pub fn units<'a>(
    objective: &Objective,
    series: &'a Series,
    origin: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Cow<'a, [RatioRow]>, String> {
    let threshold = || {
        objective
            .threshold
            .ok_or_else(|| "a threshold metric needs op and value".to_string())
    };
    let grid = |slice: Duration| Grid::new(origin, slice);
    Ok(match (objective.method, series) {
        (BudgetingMethod::Occurrences, Series::Ratio(rows)) => Cow::Borrowed(span(rows, from, to)),
        (BudgetingMethod::Occurrences, Series::Threshold(rows)) => {
            let th = threshold()?;
            Cow::Owned(
                span_of(rows, |r| r.t, from, to)
                    .iter()
                    .map(|r| RatioRow {
                        t: r.t,
                        good: if th.is_good(r.value) { 1.0 } else { 0.0 },
                        total: 1.0,
                    })
                    .collect(),
            )
        }
        (BudgetingMethod::Timeslices { slice, .. }, Series::Threshold(rows))
        | (BudgetingMethod::RatioTimeslices { slice }, Series::Threshold(rows)) => {
            let grid = grid(slice);
            let verdict = match objective.method {
                BudgetingMethod::RatioTimeslices { .. } => Verdict::Ratio,
                _ => Verdict::AllGood,
            };
            let from = grid.floor(from);
            let th: Threshold = threshold()?;
            let items = span_of(rows, |r| r.t, from, to)
                .iter()
                .map(|r| (r.t, if th.is_good(r.value) { 1.0 } else { 0.0 }, 1.0));
            Cow::Owned(grid.slices(items, verdict))
        }
        (
            BudgetingMethod::Timeslices {
                slice,
                slice_target,
            },
            Series::Ratio(rows),
        ) => {
            let target = slice_target.ok_or_else(|| {
                "Timeslices with a ratio metric needs timeSliceTarget".to_string()
            })?;
            let grid = grid(slice);
            let items = span(rows, grid.floor(from), to)
                .iter()
                .map(|r| (r.t, r.good, r.total));
            Cow::Owned(grid.slices(items, Verdict::Meets(target)))
        }
        (BudgetingMethod::RatioTimeslices { slice }, Series::Ratio(rows)) => {
            let grid = grid(slice);
            let items = span(rows, grid.floor(from), to)
                .iter()
                .map(|r| (r.t, r.good, r.total));
            Cow::Owned(grid.slices(items, Verdict::Ratio))
        }
    })
}

/// Sums the units stamped in `[from, to)`.
pub fn tally(units: &[RatioRow], from: DateTime<Utc>, to: DateTime<Utc>) -> Tally {
    let mut sum = Tally::default();
    for u in span(units, from, to) {
        sum.add(u.good, u.total);
    }
    sum
}

/// The rows with `from ≤ t < to`, by binary search on the sorted rows.
pub fn span(rows: &[RatioRow], from: DateTime<Utc>, to: DateTime<Utc>) -> &[RatioRow] {
    span_of(rows, |r| r.t, from, to)
}

fn span_of<T>(
    rows: &[T],
    time: impl Fn(&T) -> DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> &[T] {
    let a = rows.partition_point(|r| time(r) < from);
    let b = rows.partition_point(|r| time(r) < to).max(a);
    &rows[a..b]
}

/// How a slice's rows (summed as good, total) make its unit. For a threshold metric a row's
/// good is 1 when its value satisfies `op value`, and total is 1.
#[derive(Clone, Copy, Debug)]
enum Verdict {
    /// `Timeslices`, threshold metric: good only when every row in the slice is good, i.e.
    /// its worst value passes. Averaging values (often percentiles, whose mean means
    /// nothing) could hide a bad minute; the worst value cannot, whatever the row count.
    AllGood,
    /// `Timeslices`, ratio metric: good when Σgood / Σtotal satisfies `op timeSliceTarget`
    /// (`gte` unless the objective names another `op`).
    Meets(Threshold),
    /// `RatioTimeslices`: the slice's Σgood / Σtotal (for a threshold metric, the share of
    /// good rows).
    Ratio,
}

impl Verdict {
    /// The slice's `good` out of a total of 1; `None` for a slice without events (a ratio
    /// slice with total 0), which does not count as a slice with data.
    fn judge(self, good: f64, total: f64) -> Option<f64> {
        if total <= 0.0 {
            return None;
        }
        let ratio = good / total;
        Some(match self {
            Verdict::AllGood => f64::from(u8::from(good >= total)),
            Verdict::Meets(target) => f64::from(u8::from(target.is_good(ratio))),
            Verdict::Ratio => ratio,
        })
    }
}

/// Slices of equal length on a grid through `origin` (the window start), extended
/// backwards so burn windows can reach before the window.
struct Grid {
    origin: DateTime<Utc>,
    slice: i128,
}

impl Grid {
    fn new(origin: DateTime<Utc>, slice: Duration) -> Grid {
        Grid {
            origin,
            slice: nanos(slice).max(1),
        }
    }

    fn index(&self, t: DateTime<Utc>) -> i128 {
        nanos(t - self.origin).div_euclid(self.slice)
    }

    fn start(&self, index: i128) -> DateTime<Utc> {
        self.origin + from_nanos(index * self.slice)
    }

    /// The start of the slice containing `t`.
    fn floor(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.start(self.index(t))
    }

    /// One unit per slice that has data, from time-sorted `(t, good, total)` items.
    fn slices(
        &self,
        items: impl Iterator<Item = (DateTime<Utc>, f64, f64)>,
        verdict: Verdict,
    ) -> Vec<RatioRow> {
        let mut out = Vec::new();
        let mut current: Option<(i128, f64, f64)> = None;
        let flush = |slice: Option<(i128, f64, f64)>, out: &mut Vec<RatioRow>| {
            if let Some((index, good, total)) = slice {
                if let Some(good) = verdict.judge(good, total) {
                    out.push(RatioRow {
                        t: self.start(index),
                        good,
                        total: 1.0,
                    });
                }
            }
        };
        for (t, good, total) in items {
            let index = self.index(t);
            match &mut current {
                Some((i, g, n)) if *i == index => {
                    *g += good;
                    *n += total;
                }
                _ => {
                    flush(current.take(), &mut out);
                    current = Some((index, good, total));
                }
            }
        }
        flush(current, &mut out);
        out
    }
}

/// How many slices the whole window holds (a last partial slice counts).
pub fn slices_in(length: Duration, slice: Duration) -> f64 {
    let (length, slice) = (nanos(length), nanos(slice).max(1));
    ((length + slice - 1).div_euclid(slice)).max(0) as f64
}

fn nanos(d: Duration) -> i128 {
    i128::from(d.num_seconds()) * 1_000_000_000 + i128::from(d.subsec_nanos())
}

fn from_nanos(n: i128) -> Duration {
    let seconds = n.div_euclid(1_000_000_000);
    let rest = n.rem_euclid(1_000_000_000);
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1_000))
        + Duration::nanoseconds(rest as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::spec::Op;
    use crate::domain::slo::window::TimeWindow;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap()
    }

    fn objective(method: BudgetingMethod, threshold: Option<Threshold>) -> Objective {
        Objective {
            name: "api".into(),
            objective: "0".into(),
            target: 0.99,
            window: TimeWindow::Rolling(Duration::days(1)),
            method,
            threshold,
            composite_weight: None,
        }
    }

    fn at_least(value: f64) -> Option<Threshold> {
        Some(Threshold { op: Op::Gte, value })
    }

    fn lte_300() -> Option<Threshold> {
        Some(Threshold {
            op: Op::Lte,
            value: 300.0,
        })
    }

    #[test]
    fn a_row_at_the_start_counts_and_one_at_the_end_does_not() {
        let rows = Series::good_total([
            (at(0, 59), 1.0, 1.0),
            (at(1, 0), 2.0, 2.0),
            (at(1, 30), 3.0, 3.0),
            (at(2, 0), 4.0, 4.0),
        ]);
        let o = objective(BudgetingMethod::Occurrences, None);
        let u = units(&o, &rows, at(1, 0), at(1, 0), at(2, 0)).unwrap();
        assert_eq!(tally(&u, at(1, 0), at(2, 0)).total, 5.0);
    }

    #[test]
    fn a_threshold_row_under_occurrences_is_one_event() {
        let rows = Series::values([(at(0, 0), 120.0), (at(0, 1), 300.0), (at(0, 2), 301.0)]);
        let o = objective(BudgetingMethod::Occurrences, lte_300());
        let u = units(&o, &rows, at(0, 0), at(0, 0), at(1, 0)).unwrap();
        assert_eq!(
            tally(&u, at(0, 0), at(1, 0)),
            Tally {
                good: 2.0,
                total: 3.0
            }
        );
    }

    #[test]
    fn a_threshold_slice_is_good_only_when_its_worst_row_is() {
        let rows = Series::values([
            (at(0, 0), 100.0),
            (at(0, 1), 200.0),
            (at(0, 5), 100.0),
            (at(0, 6), 900.0),
        ]);
        let o = objective(
            BudgetingMethod::Timeslices {
                slice: Duration::minutes(5),
                slice_target: None,
            },
            lte_300(),
        );
        let u = units(&o, &rows, at(0, 0), at(0, 0), at(1, 0)).unwrap();
        assert_eq!(
            u.iter().map(|s| (s.t, s.good)).collect::<Vec<_>>(),
            [(at(0, 0), 1.0), (at(0, 5), 0.0)]
        );
    }

    #[test]
    fn empty_slices_are_not_counted() {
        let rows = Series::good_total([
            (at(0, 0), 10.0, 10.0),
            (at(0, 20), 0.0, 0.0),
            (at(0, 40), 5.0, 10.0),
        ]);
        let o = objective(
            BudgetingMethod::Timeslices {
                slice: Duration::minutes(10),
                slice_target: at_least(0.9),
            },
            None,
        );
        let u = units(&o, &rows, at(0, 0), at(0, 0), at(1, 0)).unwrap();
        assert_eq!(
            tally(&u, at(0, 0), at(1, 0)),
            Tally {
                good: 1.0,
                total: 2.0
            },
            "six slices, two with events"
        );
    }

    #[test]
    fn a_ratio_slice_is_good_when_it_reaches_the_time_slice_target() {
        let rows = Series::good_total([
            (at(0, 0), 18.0, 20.0),
            (at(0, 1), 1.0, 1.0),
            (at(0, 5), 94.0, 100.0),
        ]);
        let o = objective(
            BudgetingMethod::Timeslices {
                slice: Duration::minutes(5),
                slice_target: at_least(0.9),
            },
            None,
        );
        let u = units(&o, &rows, at(0, 0), at(0, 0), at(1, 0)).unwrap();
        assert_eq!(
            u.iter().map(|s| s.good).collect::<Vec<_>>(),
            [1.0, 1.0],
            "19/21 and 94/100 both ≥ 0.9"
        );
    }

    #[test]
    fn a_ratio_slice_is_compared_with_the_time_slice_target_by_the_objectives_op() {
        // The specification's Timeslices example: `op: gt`, `timeSliceTarget: 0.99`.
        let rows = Series::good_total([(at(0, 0), 99.0, 100.0), (at(0, 5), 100.0, 100.0)]);
        let o = objective(
            BudgetingMethod::Timeslices {
                slice: Duration::minutes(5),
                slice_target: Some(Threshold {
                    op: Op::Gt,
                    value: 0.99,
                }),
            },
            None,
        );
        let u = units(&o, &rows, at(0, 0), at(0, 0), at(1, 0)).unwrap();
        assert_eq!(
            u.iter().map(|s| s.good).collect::<Vec<_>>(),
            [0.0, 1.0],
            "0.99 is not > 0.99"
        );
    }

    #[test]
    fn ratio_timeslices_consume_one_minus_each_slice_ratio() {
        let rows = Series::good_total([
            (at(0, 0), 3.0, 4.0),
            (at(0, 1), 0.0, 0.0),
            (at(0, 5), 1.0, 2.0),
        ]);
        let o = objective(
            BudgetingMethod::RatioTimeslices {
                slice: Duration::minutes(5),
            },
            None,
        );
        let u = units(&o, &rows, at(0, 0), at(0, 0), at(1, 0)).unwrap();
        let t = tally(&u, at(0, 0), at(1, 0));
        assert_eq!(
            t,
            Tally {
                good: 1.25,
                total: 2.0
            }
        );
        assert_eq!(t.bad(), 0.75);
    }

    #[test]
    fn slices_align_to_the_window_start_and_extend_before_it() {
        let rows = Series::values([(at(0, 2), 1.0), (at(0, 4), 1.0), (at(0, 8), 1.0)]);
        let o = objective(
            BudgetingMethod::Timeslices {
                slice: Duration::minutes(5),
                slice_target: None,
            },
            lte_300(),
        );
        let u = units(&o, &rows, at(0, 3), at(0, 0), at(1, 0)).unwrap();
        assert_eq!(
            u.iter().map(|s| s.t).collect::<Vec<_>>(),
            [at(23, 58) - Duration::days(1), at(0, 3), at(0, 8)]
        );
    }

    #[test]
    fn whole_window_slice_count_rounds_a_partial_slice_up() {
        assert_eq!(slices_in(Duration::days(31), Duration::minutes(5)), 8_928.0);
        assert_eq!(slices_in(Duration::minutes(12), Duration::minutes(5)), 3.0);
    }

    #[test]
    fn metric_and_method_must_fit() {
        let rows = Series::values([(at(0, 0), 1.0)]);
        let o = objective(BudgetingMethod::Occurrences, None);
        assert!(units(&o, &rows, at(0, 0), at(0, 0), at(1, 0))
            .unwrap_err()
            .contains("op and value"));
        let ratio = Series::good_total([(at(0, 0), 1.0, 1.0)]);
        let o = objective(
            BudgetingMethod::Timeslices {
                slice: Duration::minutes(1),
                slice_target: None,
            },
            None,
        );
        assert!(units(&o, &ratio, at(0, 0), at(0, 0), at(1, 0))
            .unwrap_err()
            .contains("timeSliceTarget"));
    }
}
