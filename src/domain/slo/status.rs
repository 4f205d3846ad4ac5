//! An objective's verdict, and the forecast of when its budget runs out.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::budget::ErrorBudget;
use super::burn::AlertPair;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    AtRisk,
    Violated,
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::AtRisk => "at_risk",
            Status::Violated => "violated",
            Status::NoData => "no_data",
        }
    }

    /// What makes a run exit 1: `violated` always, `at_risk` and `no_data` only when strict.
    pub fn fails(self, strict: bool) -> bool {
        match self {
            Status::Violated => true,
            Status::AtRisk | Status::NoData => strict,
            Status::Ok => false,
        }
    }
}

/// The contract's precedence: `no_data` (total = 0) > `violated` (consumed_bad >
/// allowed_bad) > `at_risk` (an alert pair fires, or the budget runs out before the period
/// ends) > `ok`.
pub fn decide(
    has_data: bool,
    budget: &ErrorBudget,
    alerts: &[AlertPair],
    runs_out_before_end: bool,
) -> Status {
    if !has_data {
        Status::NoData
    } else if budget.is_overspent() {
        Status::Violated
    } else if !alerts.is_empty() || runs_out_before_end {
        Status::AtRisk
    } else {
        Status::Ok
    }
}

/// How long the remaining budget lasts at 1-day burn rate `burn`, in seconds:
/// remaining_ratio × period length / burn. `None` when nothing burns (or without data).
pub fn budget_lasts_seconds(
    remaining_ratio: Option<f64>,
    burn: Option<f64>,
    period_length: Duration,
) -> Option<f64> {
    let (remaining, burn) = (remaining_ratio?, burn?);
    (burn > 0.0).then(|| remaining.max(0.0) * seconds(period_length) / burn)
}

/// The forecast part of `at_risk`: the budget lasts less than the time left in the period.
pub fn runs_out_before(lasts_seconds: Option<f64>, now: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    lasts_seconds.is_some_and(|lasts| lasts < seconds(end - now))
}

/// When the budget runs out at the current rate, if that is before `horizon` and it has not
/// run out already: `None` otherwise, since a budget that outlives its period never runs out.
pub fn exhaustion_time(
    remaining_ratio: Option<f64>,
    lasts_seconds: Option<f64>,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let lasts = lasts_seconds?;
    if remaining_ratio? <= 0.0 || lasts >= seconds(horizon - now) {
        return None;
    }
    Some(now + Duration::milliseconds((lasts * 1000.0).round() as i64))
}

fn seconds(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::budget::Tally;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 11, 0, 0, 0).unwrap()
    }

    fn budget(good: f64, total: f64, allowed: f64) -> ErrorBudget {
        ErrorBudget::new(allowed, Tally { good, total })
    }

    #[test]
    fn no_data_beats_everything() {
        assert_eq!(
            decide(false, &budget(0.0, 0.0, 5.0), &[AlertPair::Page1h5m], true),
            Status::NoData
        );
    }

    #[test]
    fn violated_beats_at_risk() {
        assert_eq!(
            decide(
                true,
                &budget(90.0, 100.0, 1.0),
                &[AlertPair::Page1h5m],
                true
            ),
            Status::Violated
        );
    }

    #[test]
    fn at_risk_when_an_alert_fires_or_the_forecast_runs_out() {
        let fine = budget(999.0, 1000.0, 2.0);
        assert_eq!(
            decide(true, &fine, &[AlertPair::Ticket3d6h], false),
            Status::AtRisk
        );
        assert_eq!(decide(true, &fine, &[], true), Status::AtRisk);
        assert_eq!(decide(true, &fine, &[], false), Status::Ok);
    }

    #[test]
    fn budget_lasts_remaining_times_period_over_burn() {
        let month = Duration::days(30);
        assert_eq!(
            budget_lasts_seconds(Some(0.5), Some(2.0), month),
            Some(7.5 * 86_400.0)
        );
        assert_eq!(budget_lasts_seconds(Some(0.5), Some(0.0), month), None);
        assert_eq!(budget_lasts_seconds(Some(0.5), None, month), None);
        assert_eq!(budget_lasts_seconds(None, Some(2.0), month), None);
    }

    #[test]
    fn at_risk_forecast_compares_with_the_time_left() {
        let end = now() + Duration::days(20);
        let lasts = budget_lasts_seconds(Some(0.5), Some(1.0), Duration::days(30));
        assert!(runs_out_before(lasts, now(), end), "15 days < 20 left");
        let lasts = budget_lasts_seconds(Some(0.8), Some(1.0), Duration::days(30));
        assert!(!runs_out_before(lasts, now(), end), "24 days > 20 left");
        assert!(!runs_out_before(None, now(), end));
    }

    #[test]
    fn exhaustion_is_now_plus_how_long_the_budget_lasts() {
        let end = now() + Duration::days(20);
        let lasts = budget_lasts_seconds(Some(0.5), Some(1.0), Duration::days(30));
        assert_eq!(
            exhaustion_time(Some(0.5), lasts, now(), end),
            Some(now() + Duration::days(15))
        );
        let outlives = budget_lasts_seconds(Some(0.8), Some(1.0), Duration::days(30));
        assert_eq!(exhaustion_time(Some(0.8), outlives, now(), end), None);
        let spent = budget_lasts_seconds(Some(-0.1), Some(3.0), Duration::days(30));
        assert_eq!(exhaustion_time(Some(-0.1), spent, now(), end), None);
        assert_eq!(exhaustion_time(Some(0.5), None, now(), end), None);
    }

    #[test]
    fn only_violated_fails_unless_strict() {
        assert!(Status::Violated.fails(false));
        assert!(!Status::AtRisk.fails(false) && Status::AtRisk.fails(true));
        assert!(!Status::NoData.fails(false) && Status::NoData.fails(true));
        assert!(!Status::Ok.fails(true));
        assert_eq!(serde_json::to_value(Status::AtRisk).unwrap(), "at_risk");
        assert_eq!(serde_json::to_value(Status::NoData).unwrap(), "no_data");
    }
}
