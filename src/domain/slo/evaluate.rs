//! One objective against its data at `now`: window, budget, burn rates, alerts, status.
//!
//! Cost is linear in the rows: two binary searches bound the span of interest (the window,
//! and the last 3 days for burn rates), one pass turns it into units, and every figure after
//! that is a sum over a sub-span.

use chrono::{DateTime, Duration, Utc};

use super::budget::{complement, ErrorBudget, Tally};
use super::burn::{burn_rate, BurnRates, BurnWindow};
use super::report::SloResult;
use super::series::{RatioRow, Series};
use super::spec::Objective;
use super::status::{budget_lasts_seconds, decide, exhaustion_time, runs_out_before};
use super::units::{slices_in, span, tally, units};
use super::window::Period;

/// Evaluates `objective` on `series` at `now`. The series must be sorted by strictly
/// increasing time; it is validated here, in one pass. Errors start with the SLO and
/// objective names.
pub fn evaluate(
    objective: &Objective,
    series: &Series,
    now: DateTime<Utc>,
) -> Result<SloResult, String> {
    let context = |e: String| {
        format!(
            "SLO {:?}, objective {:?}: {e}",
            objective.name, objective.objective
        )
    };
    objective.validate().map_err(context)?;
    series.validate().map_err(context)?;

    let period = objective.window.period(now).map_err(context)?;
    let window = Period {
        start: period.start,
        end: now,
    };
    let from = window.start.min(now - BurnWindow::LONGEST.length());
    let units = units(objective, series, window.start, from, now).map_err(context)?;

    let c = complement(objective.target);
    let spent = tally(&units, window.start, now);
    let has_data = spent.has_data();
    // Slice methods fix the budget up front from the whole period; events scale with traffic.
    let fixed_allowed = objective
        .method
        .slice()
        .map(|slice| c * slices_in(period.length(), slice));
    let allowed = fixed_allowed.unwrap_or(c * spent.total);
    let budget = ErrorBudget::new(allowed, spent);

    let burn_rates = if has_data {
        BurnRates::from_fn(|w| burn_rate(tally(&units, now - w.length(), now), c))
    } else {
        BurnRates::default()
    };
    let alerts = burn_rates.firing();

    let lasts = budget_lasts_seconds(budget.remaining_ratio, burn_rates.d1, period.length());
    let calendar = objective.window.is_calendar();
    let runs_out = calendar && runs_out_before(lasts, now, period.end);
    let horizon = if calendar {
        period.end
    } else {
        now + period.length()
    };
    let status = decide(has_data, &budget, &alerts, runs_out);

    let budget_remaining_minutes =
        objective.method.slice().filter(|_| has_data).map(|slice| {
            (allowed - budget.consumed_bad) * slice.num_milliseconds() as f64 / 60_000.0
        });

    Ok(SloResult {
        name: objective.name.clone(),
        objective: objective.objective.clone(),
        target: objective.target,
        budgeting_method: objective.method.name(),
        window,
        good: spent.good,
        total: spent.total,
        sli: spent.ratio(),
        error_budget: budget,
        burn_rates,
        status,
        budget_remaining_minutes,
        alerts,
        exhaustion_forecast: exhaustion_time(budget.remaining_ratio, lasts, now, horizon),
        composite_weight: objective.composite_weight,
        period,
        burn_down: burn_down(
            span(&units, window.start, now),
            window,
            burn_down_step(period.length(), objective.method.slice()),
            c,
            fixed_allowed,
        ),
    })
}

/// Hourly points for windows up to 35 days, daily beyond, so a chart has at most a few
/// hundred points; for slice methods a whole number of slices.
fn burn_down_step(whole: Duration, slice: Option<Duration>) -> Duration {
    let step = if whole <= Duration::days(35) {
        Duration::hours(1)
    } else {
        Duration::days(1)
    };
    match slice {
        Some(slice) if slice > Duration::zero() => {
            let (step_ms, slice_ms) = (step.num_milliseconds(), slice.num_milliseconds().max(1));
            Duration::milliseconds(((step_ms + slice_ms - 1) / slice_ms) * slice_ms)
        }
        _ => step,
    }
}

/// Cumulative remaining budget ratio at `start`, every `step` after it, and `now`. Without
/// a fixed budget (`Occurrences`) the allowance grows with the events seen so far, and is
/// full (1.0) before the first event.
fn burn_down(
    units: &[RatioRow],
    window: Period,
    step: Duration,
    complement: f64,
    fixed_allowed: Option<f64>,
) -> Vec<(DateTime<Utc>, f64)> {
    let remaining = |so_far: Tally| {
        let allowed = fixed_allowed.unwrap_or(complement * so_far.total);
        if allowed > 0.0 {
            1.0 - so_far.bad() / allowed
        } else {
            1.0
        }
    };
    let mut points = vec![(window.start, 1.0)];
    let mut so_far = Tally::default();
    let mut next = units.iter().peekable();
    let mut at = window.start;
    while at < window.end {
        at = (at + step).min(window.end);
        while let Some(u) = next.next_if(|u| u.t < at) {
            so_far.add(u.good, u.total);
        }
        points.push((at, remaining(so_far)));
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::burn::AlertPair;
    use crate::domain::slo::duration::SloDuration;
    use crate::domain::slo::report::{exit_code, SloReport};
    use crate::domain::slo::spec::{BudgetingMethod, Op, Threshold};
    use crate::domain::slo::status::Status;
    use crate::domain::slo::window::{parse_start_time, TimeWindow};
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// March 2026 in UTC: 31 days.
    fn march() -> TimeWindow {
        TimeWindow::calendar(
            SloDuration::parse("1M").unwrap(),
            utc(2026, 1, 1, 0, 0),
            chrono_tz::UTC,
        )
        .unwrap()
    }

    fn rolling(text: &str) -> TimeWindow {
        TimeWindow::rolling(SloDuration::parse(text).unwrap())
    }

    fn objective(target: f64, window: TimeWindow, method: BudgetingMethod) -> Objective {
        Objective {
            name: "api-availability".into(),
            objective: "0".into(),
            target,
            window,
            method,
            threshold: None,
            composite_weight: None,
        }
    }

    fn occurrences(target: f64, window: TimeWindow) -> Objective {
        objective(target, window, BudgetingMethod::Occurrences)
    }

    fn timeslices(target: f64, window: TimeWindow, slice_minutes: i64) -> Objective {
        Objective {
            threshold: Some(Threshold {
                op: Op::Lte,
                value: 300.0,
            }),
            ..objective(
                target,
                window,
                BudgetingMethod::Timeslices {
                    slice: Duration::minutes(slice_minutes),
                    slice_target: None,
                },
            )
        }
    }

    /// `(minutes before now, good, total)` rows, oldest first.
    fn rows_before(now: DateTime<Utc>, rows: &[(i64, f64, f64)]) -> Series {
        Series::good_total(
            rows.iter()
                .map(|&(ago, good, total)| (now - Duration::minutes(ago), good, total)),
        )
    }

    /// One row per minute over the last `minutes`, each `good` of `total`.
    fn steady(now: DateTime<Utc>, minutes: i64, good: f64, total: f64) -> Series {
        Series::good_total(
            (1..=minutes)
                .rev()
                .map(|ago| (now - Duration::minutes(ago), good, total)),
        )
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn occurrences_sums_events_in_the_window() {
        let now = utc(2026, 3, 11, 0, 0);
        let series = Series::good_total([
            (utc(2026, 2, 28, 23, 59), 0.0, 1_000.0),
            (utc(2026, 3, 1, 0, 0), 4_998.0, 5_000.0),
            (utc(2026, 3, 5, 0, 0), 4_999.0, 5_000.0),
            (now, 0.0, 1_000.0),
        ]);
        let r = evaluate(&occurrences(0.999, march()), &series, now).unwrap();
        assert_eq!(
            (r.good, r.total),
            (9_997.0, 10_000.0),
            "a row at the start counts, at the end not"
        );
        assert_eq!(r.sli, Some(0.9997));
        assert_eq!(r.error_budget.allowed_bad, 10.0);
        assert_eq!(r.error_budget.consumed_bad, 3.0);
        assert_eq!(r.error_budget.remaining_ratio, Some(0.7));
        assert_eq!(r.window.start, utc(2026, 3, 1, 0, 0));
        assert_eq!(r.window.end, now);
        assert_eq!(r.status, Status::Ok);
        assert_eq!(r.budget_remaining_minutes, None);
    }

    #[test]
    fn target_0_999_is_met_where_0_9999_is_violated() {
        let now = utc(2026, 3, 11, 0, 0);
        let series = rows_before(now, &[(10 * 1_440, 9_995.0, 10_000.0)]);
        let three_nines = evaluate(&occurrences(0.999, march()), &series, now).unwrap();
        assert_eq!(three_nines.error_budget.allowed_bad, 10.0);
        assert_eq!(three_nines.status, Status::Ok);
        let four_nines = evaluate(&occurrences(0.9999, march()), &series, now).unwrap();
        assert_eq!(four_nines.error_budget.allowed_bad, 1.0);
        assert_eq!(four_nines.error_budget.remaining_ratio, Some(-4.0));
        assert_eq!(four_nines.status, Status::Violated);
    }

    #[test]
    fn spending_exactly_the_budget_is_not_violated() {
        let now = utc(2026, 3, 11, 0, 0);
        let series = rows_before(now, &[(10 * 1_440, 9.0, 10.0)]);
        let r = evaluate(&occurrences(0.9, march()), &series, now).unwrap();
        assert_eq!(r.error_budget.allowed_bad, 1.0);
        assert_eq!(r.error_budget.remaining_ratio, Some(0.0));
        assert_ne!(r.status, Status::Violated);
    }

    #[test]
    fn no_data_has_nulls_and_beats_every_other_status() {
        let now = utc(2026, 3, 11, 0, 0);
        // Bad data only before the window: burn windows see it, the window does not.
        let series = rows_before(now, &[(2 * 1_440, 0.0, 100.0)]);
        let r = evaluate(&occurrences(0.999, rolling("1d")), &series, now).unwrap();
        assert_eq!(r.status, Status::NoData);
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["sli"].is_null());
        assert!(json["error_budget"]["remaining_ratio"].is_null());
        for w in ["1h", "6h", "1d", "3d"] {
            assert!(json["burn_rates"][w].is_null(), "{w}");
        }
        assert_eq!(json["good"], 0);
        assert_eq!(json["total"], 0);
        assert!(json["exhaustion_forecast"].is_null());
        assert_eq!(json["alerts"], serde_json::json!([]));
    }

    #[test]
    fn violated_beats_at_risk() {
        let now = utc(2026, 3, 11, 0, 0);
        let r = evaluate(
            &occurrences(0.999, march()),
            &steady(now, 60, 0.0, 10.0),
            now,
        )
        .unwrap();
        assert!(!r.alerts.is_empty());
        assert_eq!(r.status, Status::Violated);
    }

    #[test]
    fn a_firing_alert_pair_makes_an_objective_at_risk() {
        let now = utc(2026, 3, 11, 0, 0);
        // Ten days of clean traffic, then the last hour at 2 % errors: burn 20 against 99.9 %.
        let mut rows: Vec<_> = (61..=10 * 1_440)
            .rev()
            .map(|ago| (now - Duration::minutes(ago), 1_000.0, 1_000.0))
            .collect();
        rows.extend(
            (1..=60)
                .rev()
                .map(|ago| (now - Duration::minutes(ago), 980.0, 1_000.0)),
        );
        let r = evaluate(&occurrences(0.999, march()), &Series::good_total(rows), now).unwrap();
        assert!(close(r.burn_rates.h1, 20.0), "{:?}", r.burn_rates.h1);
        assert!(close(r.burn_rates.m5, 20.0));
        assert!(close(r.burn_rates.h6, 20.0 / 6.0));
        assert!(close(r.burn_rates.d1, 20.0 / 24.0));
        assert_eq!(r.alerts, [AlertPair::Page1h5m]);
        assert_eq!(r.status, Status::AtRisk);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["alerts"], serde_json::json!(["page_1h_5m"]));
    }

    #[test]
    fn an_alert_needs_the_short_window_too() {
        let now = utc(2026, 3, 11, 0, 0);
        // A burst of errors 50 to 10 minutes ago: the hour burns, the last 5 minutes do not.
        let mut rows: Vec<_> = (61..=10 * 1_440)
            .rev()
            .map(|ago| (now - Duration::minutes(ago), 1_000.0, 1_000.0))
            .collect();
        rows.extend((1..=60).rev().map(|ago| {
            let good = if (10..=50).contains(&ago) {
                970.0
            } else {
                1_000.0
            };
            (now - Duration::minutes(ago), good, 1_000.0)
        }));
        let r = evaluate(&occurrences(0.999, march()), &Series::good_total(rows), now).unwrap();
        assert!(r.burn_rates.h1.unwrap() > 14.4);
        assert_eq!(r.burn_rates.m5, Some(0.0));
        assert!(!r.alerts.contains(&AlertPair::Page1h5m));
    }

    #[test]
    fn burn_rates_are_null_in_windows_without_data() {
        let now = utc(2026, 3, 11, 0, 0);
        let series = rows_before(now, &[(2 * 1_440, 999.0, 1_000.0)]);
        let r = evaluate(&occurrences(0.999, march()), &series, now).unwrap();
        assert_eq!(r.burn_rates.h1, None);
        assert_eq!(r.burn_rates.d1, None);
        assert!(close(r.burn_rates.d3, 1.0));
    }

    #[test]
    fn a_calendar_budget_that_outlasts_the_period_is_ok() {
        // March 11: 20 of 31 days left. Clean until a day ago, then 0.1 % errors (burn 1).
        let now = utc(2026, 3, 11, 0, 0);
        let mut rows: Vec<_> = (1_441..=10 * 1_440)
            .rev()
            .map(|ago| (now - Duration::minutes(ago), 1_000.0, 1_000.0))
            .collect();
        rows.extend(
            (1..=1_440)
                .rev()
                .map(|ago| (now - Duration::minutes(ago), 999.0, 1_000.0)),
        );
        let series = Series::good_total(rows);
        let r = evaluate(&occurrences(0.999, march()), &series, now).unwrap();
        assert!(close(r.burn_rates.d1, 1.0));
        assert!(r.alerts.is_empty(), "{:?}", r.alerts);
        let remaining = r.error_budget.remaining_ratio.unwrap();
        assert!(
            close(Some(remaining), 0.9),
            "one of ten days spent at burn 1"
        );
        // 0.9 × 31 days / 1 = 27.9 days > 20 days left: fine.
        assert_eq!(r.status, Status::Ok);
        assert_eq!(r.exhaustion_forecast, None, "the month ends first");
    }

    #[test]
    fn forecast_at_risk_uses_the_1d_burn_rate_and_the_time_left() {
        // Budget half spent, burning at 1: lasts 0.5 × 31 = 15.5 days < 20 left.
        let now = utc(2026, 3, 11, 0, 0);
        // Exact numbers: 14,000,000 events in the window and 7,000 bad of 14,000 allowed.
        let mut rows = vec![(utc(2026, 3, 2, 0, 0), 13_000_000.0 - 6_000.0, 13_000_000.0)];
        rows.push((
            now - Duration::hours(12),
            1_000_000.0 - 1_000.0,
            1_000_000.0,
        ));
        let r = evaluate(&occurrences(0.999, march()), &Series::good_total(rows), now).unwrap();
        assert_eq!(r.error_budget.allowed_bad, 14_000.0);
        assert_eq!(r.error_budget.consumed_bad, 7_000.0);
        assert_eq!(r.error_budget.remaining_ratio, Some(0.5));
        assert!(close(r.burn_rates.d1, 1.0));
        assert!(r.alerts.is_empty(), "{:?}", r.alerts);
        assert_eq!(r.status, Status::AtRisk);
        assert_eq!(
            r.exhaustion_forecast,
            Some(now + Duration::hours(15 * 24 + 12)),
            "0.5 × 31 days / 1"
        );
    }

    #[test]
    fn the_forecast_part_of_at_risk_applies_to_calendar_windows_only() {
        let now = utc(2026, 3, 11, 0, 0);
        let rows = vec![
            (utc(2026, 3, 2, 0, 0), 13_000_000.0 - 6_000.0, 13_000_000.0),
            (
                now - Duration::hours(12),
                1_000_000.0 - 1_000.0,
                1_000_000.0,
            ),
        ];
        let r = evaluate(
            &occurrences(0.999, rolling("31d")),
            &Series::good_total(rows),
            now,
        )
        .unwrap();
        assert_eq!(r.error_budget.remaining_ratio, Some(0.5));
        assert_eq!(r.status, Status::Ok);
        assert_eq!(
            r.exhaustion_forecast,
            Some(now + Duration::hours(15 * 24 + 12)),
            "the forecast itself is still given"
        );
    }

    #[test]
    fn rolling_1m_is_30_days_and_1m_lowercase_one_minute() {
        let now = utc(2026, 3, 31, 0, 0);
        let series = Series::good_total([
            (utc(2026, 3, 1, 0, 0) - Duration::minutes(1), 0.0, 1.0),
            (utc(2026, 3, 1, 0, 0), 1.0, 1.0),
            (now - Duration::seconds(30), 1.0, 1.0),
        ]);
        let month = evaluate(&occurrences(0.99, rolling("1M")), &series, now).unwrap();
        assert_eq!(month.window.start, utc(2026, 3, 1, 0, 0));
        assert_eq!(month.total, 2.0);
        let minute = evaluate(&occurrences(0.99, rolling("1m")), &series, now).unwrap();
        assert_eq!(minute.window.start, now - Duration::minutes(1));
        assert_eq!(minute.total, 1.0);
    }

    #[test]
    fn counters_are_evaluated_by_their_increase() {
        let now = utc(2026, 3, 1, 1, 0);
        let at = |m: i64| utc(2026, 3, 1, 0, 0) + Duration::minutes(m);
        let good = crate::domain::slo::series::counter_increases(&[
            (at(0), 500.0),
            (at(10), 590.0),
            (at(20), 40.0),
            (at(30), 100.0),
        ]);
        let total = crate::domain::slo::series::counter_increases(&[
            (at(0), 500.0),
            (at(10), 600.0),
            (at(20), 50.0),
            (at(30), 110.0),
        ]);
        let series =
            Series::good_total(good.iter().zip(&total).map(|(&(t, g), &(_, n))| (t, g, n)));
        let r = evaluate(&occurrences(0.9, rolling("1h")), &series, now).unwrap();
        assert_eq!(
            (r.good, r.total),
            (190.0, 210.0),
            "90 + 40 reset + 60; 100 + 50 + 60"
        );
    }

    #[test]
    fn timeslice_budget_is_fixed_up_front_for_the_full_month() {
        // Two days into March, 5-minute slices: 8928 in the month, 1 % allowed → 89.28.
        let now = utc(2026, 3, 3, 0, 0);
        let series = Series::values((0..2 * 288).map(|i| {
            let t = utc(2026, 3, 1, 0, 0) + Duration::minutes(5 * i);
            (t, if i < 10 { 900.0 } else { 120.0 })
        }));
        let r = evaluate(&timeslices(0.99, march(), 5), &series, now).unwrap();
        assert_eq!(r.budgeting_method, "Timeslices");
        assert_eq!((r.good, r.total), (566.0, 576.0));
        assert!(close(Some(r.error_budget.allowed_bad), 89.28));
        assert_eq!(r.error_budget.consumed_bad, 10.0);
        assert!(close(r.budget_remaining_minutes, (89.28 - 10.0) * 5.0));
        assert!(close(r.error_budget.remaining_ratio, 1.0 - 10.0 / 89.28));
        assert_eq!(r.status, Status::Ok);
    }

    #[test]
    fn timeslice_budget_follows_the_length_of_february() {
        let window = TimeWindow::calendar(
            SloDuration::parse("1M").unwrap(),
            utc(2026, 1, 1, 0, 0),
            chrono_tz::UTC,
        )
        .unwrap();
        let series = Series::values([(utc(2028, 2, 1, 0, 0), 1.0)]);
        let leap = evaluate(
            &timeslices(0.99, window, 60),
            &series,
            utc(2028, 2, 2, 0, 0),
        )
        .unwrap();
        assert!(close(
            Some(leap.error_budget.allowed_bad),
            29.0 * 24.0 * 0.01
        ));
        let series = Series::values([(utc(2027, 2, 1, 0, 0), 1.0)]);
        let common = evaluate(
            &timeslices(0.99, window, 60),
            &series,
            utc(2027, 2, 2, 0, 0),
        )
        .unwrap();
        assert!(close(
            Some(common.error_budget.allowed_bad),
            28.0 * 24.0 * 0.01
        ));
    }

    #[test]
    fn timeslice_budget_follows_a_dst_month_in_local_time() {
        let tz = chrono_tz::Europe::Berlin;
        let window = TimeWindow::calendar(
            SloDuration::parse("1M").unwrap(),
            parse_start_time("2026-01-01 00:00:00", tz).unwrap(),
            tz,
        )
        .unwrap();
        let now = utc(2026, 3, 10, 0, 0);
        let series = Series::values([(utc(2026, 2, 28, 23, 0), 1.0)]);
        let r = evaluate(&timeslices(0.99, window, 60), &series, now).unwrap();
        assert_eq!(
            r.window.start,
            utc(2026, 2, 28, 23, 0),
            "midnight CET on March 1st"
        );
        assert_eq!(r.total, 1.0);
        assert!(close(
            Some(r.error_budget.allowed_bad),
            (31.0 * 24.0 - 1.0) * 0.01
        ));
        let tokyo = chrono_tz::Asia::Tokyo;
        let window = TimeWindow::calendar(
            SloDuration::parse("1M").unwrap(),
            parse_start_time("2026-01-01 00:00:00", tokyo).unwrap(),
            tokyo,
        )
        .unwrap();
        let r = evaluate(&timeslices(0.99, window, 60), &series, now).unwrap();
        assert_eq!(r.window.start, utc(2026, 2, 28, 15, 0));
        assert!(close(Some(r.error_budget.allowed_bad), 31.0 * 24.0 * 0.01));
    }

    #[test]
    fn timeslice_burn_rates_count_slices() {
        let now = utc(2026, 3, 11, 0, 0);
        // Minute slices over the last hour: 6 bad of 60 against 1 % → burn 10.
        let series = Series::values((1..=60).rev().map(|ago| {
            let value = if ago <= 6 { 500.0 } else { 100.0 };
            (now - Duration::minutes(ago), value)
        }));
        let r = evaluate(&timeslices(0.99, march(), 1), &series, now).unwrap();
        assert!(close(r.burn_rates.h1, 10.0));
        assert!(close(r.burn_rates.m5, 100.0));
        assert!(close(r.burn_rates.m30, 20.0));
        assert_eq!(
            r.alerts,
            [
                AlertPair::Page6h30m,
                AlertPair::Ticket1d2h,
                AlertPair::Ticket3d6h
            ],
            "1h at 10 and 5m at 100: no 1h page"
        );
    }

    #[test]
    fn ratio_timeslices_average_slice_ratios_and_consume_the_rest() {
        let now = utc(2026, 3, 1, 1, 0);
        let at = |m: i64| utc(2026, 3, 1, 0, 0) + Duration::minutes(m);
        let series = Series::good_total([
            (at(0), 9.0, 10.0),
            (at(5), 1.0, 1.0),
            (at(6), 999.0, 1_000.0),
            (at(10), 1.0, 2.0),
        ]);
        let o = objective(
            0.99,
            march(),
            BudgetingMethod::RatioTimeslices {
                slice: Duration::minutes(5),
            },
        );
        let r = evaluate(&o, &series, now).unwrap();
        assert_eq!(r.budgeting_method, "RatioTimeslices");
        assert_eq!(r.total, 3.0);
        assert!(close(Some(r.good), 0.9 + 1_000.0 / 1_001.0 + 0.5));
        assert!(close(r.sli, (0.9 + 1_000.0 / 1_001.0 + 0.5) / 3.0));
        assert!(close(
            Some(r.error_budget.consumed_bad),
            0.1 + 1.0 / 1_001.0 + 0.5
        ));
        assert!(close(Some(r.error_budget.allowed_bad), 8_928.0 * 0.01));
    }

    #[test]
    fn burn_down_steps_hourly_from_full_to_what_is_left() {
        let now = utc(2026, 3, 1, 3, 30);
        let at = |m: i64| utc(2026, 3, 1, 0, 0) + Duration::minutes(m);
        let series = Series::good_total([(at(0), 99.0, 100.0), (at(90), 95.0, 100.0)]);
        let r = evaluate(&occurrences(0.9, march()), &series, now).unwrap();
        assert_eq!(
            r.burn_down,
            [
                (at(0), 1.0),
                (at(60), 0.9),
                (at(120), 0.7),
                (at(180), 0.7),
                (now, 0.7)
            ]
        );
        let json = serde_json::to_value(&r).unwrap();
        assert!(json.get("burn_down").is_none() && json.get("period").is_none());
    }

    #[test]
    fn the_json_entry_has_the_contract_fields_in_order() {
        let now = utc(2026, 3, 11, 0, 0);
        let series = rows_before(now, &[(10 * 1_440, 9_997.0, 10_000.0)]);
        let r = evaluate(&occurrences(0.999, march()), &series, now).unwrap();
        let text = serde_json::to_string(&r).unwrap();
        assert!(
            text.starts_with(
                r#"{"name":"api-availability","objective":"0","target":0.999,"budgeting_method":"Occurrences","window":{"start":"2026-03-01T00:00:00Z","end":"2026-03-11T00:00:00Z"},"good":9997,"total":10000,"sli":0.9997,"error_budget":{"allowed_bad":10.0,"consumed_bad":3.0,"remaining_ratio":0.7},"burn_rates":{"1h":null,"6h":null,"1d":null,"3d":null},"status":"ok","budget_remaining_minutes":null,"alerts":[],"exhaustion_forecast":null}"#
            ),
            "{text}"
        );
    }

    #[test]
    fn exit_code_is_1_only_for_violated_unless_strict() {
        let now = utc(2026, 3, 11, 0, 0);
        let ok = evaluate(
            &occurrences(0.9, march()),
            &rows_before(now, &[(60, 10.0, 10.0)]),
            now,
        )
        .unwrap();
        let no_data = evaluate(&occurrences(0.9, march()), &Series::good_total([]), now).unwrap();
        let violated = evaluate(
            &occurrences(0.9, march()),
            &rows_before(now, &[(3 * 1_440, 0.0, 10.0)]),
            now,
        )
        .unwrap();
        assert_eq!(exit_code(&[ok.clone(), no_data.clone()], false), 0);
        assert_eq!(exit_code(&[ok.clone(), no_data.clone()], true), 1);
        assert_eq!(exit_code(&[ok.clone(), violated.clone()], false), 1);
        let report = SloReport::new(now, vec![ok, no_data, violated]);
        assert!(report.violated(false));
        assert_eq!(report.count(Status::NoData), 1);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["kind"], "slo");
        assert_eq!(json["generated_at"], "2026-03-11T00:00:00Z");
    }

    #[test]
    fn unsorted_rows_and_bad_specs_are_errors_naming_the_objective() {
        let now = utc(2026, 3, 11, 0, 0);
        let series = rows_before(now, &[(10, 1.0, 1.0), (20, 1.0, 1.0)]);
        let err = evaluate(&occurrences(0.9, march()), &series, now).unwrap_err();
        assert_eq!(
            err,
            "SLO \"api-availability\", objective \"0\": row 2: timestamps must increase"
        );
        let err = evaluate(&occurrences(1.0, march()), &Series::good_total([]), now).unwrap_err();
        assert!(err.contains("target"), "{err}");
    }
}
