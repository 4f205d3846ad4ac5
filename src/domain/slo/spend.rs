//! What an objective spent over any span, not only the window and burn windows that end at
//! `now`: the deploy-impact report asks for the hour after each deployment and the day before.
//!
//! The units (events, or slices on the window's grid) are built once for the whole range
//! asked for; each span after that is two binary searches and a sum, with the same rules as
//! [`evaluate`](super::evaluate): a unit belongs to `[from, to)` when its stamp does.

use chrono::{DateTime, Utc};

use super::budget::{complement, Tally};
use super::burn::burn_rate;
use super::series::{RatioRow, Series};
use super::spec::Objective;
use super::units::{tally, units};

/// An objective's units from some time up to `now`, ready for spans within them.
#[derive(Clone, Debug, PartialEq)]
pub struct SpendLedger {
    units: Vec<RatioRow>,
    complement: f64,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl SpendLedger {
    /// The units of `objective` over `[from, now)`. Slices lie on the grid of the window in
    /// force at `now`, as in [`evaluate`](super::evaluate). The series is validated here.
    pub fn new(
        objective: &Objective,
        series: &Series,
        from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<SpendLedger, String> {
        objective.validate()?;
        series.validate()?;
        let origin = objective.window.period(now)?.start;
        let units = units(objective, series, origin, from, now)?.into_owned();
        Ok(SpendLedger {
            units,
            complement: complement(objective.target),
            from,
            now,
        })
    }

    /// Good and total units stamped in `[from, to)`, clipped to the ledger's range (nothing
    /// at or after `now` exists yet).
    pub fn spent(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Tally {
        tally(&self.units, from.max(self.from), to.min(self.now))
    }

    /// The burn rate over `[from, to)`: (bad / total) / (1 − target), `None` without data.
    pub fn burn_rate(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<f64> {
        self.burn_rate_of(self.spent(from, to))
    }

    /// The burn rate of a tally this ledger already gave (see [`spent`](Self::spent)):
    /// (bad / total) / (1 − target), `None` without data.
    pub fn burn_rate_of(&self, spent: Tally) -> Option<f64> {
        burn_rate(spent, self.complement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::spec::{BudgetingMethod, Op, Threshold};
    use crate::domain::slo::window::TimeWindow;
    use chrono::{Duration, TimeZone};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap()
    }

    fn objective(method: BudgetingMethod) -> Objective {
        Objective {
            name: "api".into(),
            objective: "0".into(),
            target: 0.99,
            window: TimeWindow::Rolling(Duration::days(1)),
            method,
            threshold: Some(Threshold {
                op: Op::Lte,
                value: 300.0,
            }),
            composite_weight: None,
        }
    }

    #[test]
    fn a_span_sums_the_rows_stamped_in_it_and_burns_against_the_target() {
        let series = Series::good_total([
            (at(10, 0), 100.0, 100.0),
            (at(10, 30), 90.0, 100.0),
            (at(11, 0), 100.0, 100.0),
        ]);
        let ledger = SpendLedger::new(
            &objective(BudgetingMethod::Occurrences),
            &series,
            at(0, 0),
            at(12, 0),
        )
        .unwrap();
        let spent = ledger.spent(at(10, 0), at(11, 0));
        assert_eq!((spent.bad(), spent.total), (10.0, 200.0));
        // 5 % bad against a 1 % allowance.
        assert_eq!(ledger.burn_rate(at(10, 0), at(11, 0)), Some(5.0));
        assert_eq!(ledger.burn_rate_of(spent), Some(5.0));
        assert_eq!(ledger.burn_rate(at(11, 30), at(12, 0)), None, "no rows");
    }

    #[test]
    fn nothing_before_the_ledger_or_at_now_counts() {
        let series = Series::good_total([(at(1, 0), 0.0, 10.0), (at(12, 0), 0.0, 10.0)]);
        let ledger = SpendLedger::new(
            &objective(BudgetingMethod::Occurrences),
            &series,
            at(2, 0),
            at(12, 0),
        )
        .unwrap();
        assert_eq!(ledger.spent(at(0, 0), at(13, 0)), Tally::default());
    }

    #[test]
    fn slices_are_judged_whole_on_the_windows_grid() {
        // Threshold ≤ 300 ms in 10-minute slices: one bad value spoils its slice.
        let method = BudgetingMethod::Timeslices {
            slice: Duration::minutes(10),
            slice_target: None,
        };
        let series = Series::values([(at(10, 1), 200.0), (at(10, 5), 400.0), (at(10, 12), 250.0)]);
        let ledger = SpendLedger::new(&objective(method), &series, at(0, 0), at(12, 0)).unwrap();
        let spent = ledger.spent(at(10, 0), at(10, 20));
        assert_eq!((spent.good, spent.total), (1.0, 2.0));
    }
}
