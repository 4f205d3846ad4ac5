//! The contract's `slo` document: one [`SloResult`] per objective, and the exit rule.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use super::budget::ErrorBudget;
use super::burn::{AlertPair, BurnRates};
use super::status::Status;
use super::window::Period;
use crate::domain::rfc3339;

/// One objective's figures, in the contract's field order. Fields after `status` are
/// additions; `period` and `burn_down` are for tables and charts and stay out of the JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SloResult {
    pub name: String,
    pub objective: String,
    pub target: f64,
    /// `Occurrences`, `Timeslices` or `RatioTimeslices`.
    pub budgeting_method: &'static str,
    /// `[start, now)`.
    pub window: Period,
    /// Good events, good slices, or (`RatioTimeslices`) the sum of the slices' ratios.
    #[serde(serialize_with = "count")]
    pub good: f64,
    /// Events, or slices with data.
    #[serde(serialize_with = "count")]
    pub total: f64,
    /// good / total; `null` with `no_data`.
    pub sli: Option<f64>,
    pub error_budget: ErrorBudget,
    pub burn_rates: BurnRates,
    pub status: Status,
    /// For the slice methods: the bad slices still allowed, in minutes (negative once
    /// overspent); `null` for `Occurrences` and with `no_data`.
    pub budget_remaining_minutes: Option<f64>,
    /// The multiwindow alert pairs that fire, most urgent first.
    pub alerts: Vec<AlertPair>,
    /// When the budget runs out at the current 1-day burn rate, if within the window.
    #[serde(serialize_with = "rfc3339::option")]
    pub exhaustion_forecast: Option<DateTime<Utc>>,
    /// A composite SLO's `compositeWeight` for this objective; absent for other SLOs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite_weight: Option<f64>,
    /// The whole budget period: the full calendar period, or `[now − duration, now)`.
    #[serde(skip)]
    pub period: Period,
    /// Remaining budget ratio after each step (hour, or day for windows over 35 days) from
    /// the window start to now, starting at `(start, 1.0)`.
    #[serde(skip)]
    pub burn_down: Vec<(DateTime<Utc>, f64)>,
}

/// Whole counts print as integers (`"good": 998`), as in the contract's example.
fn count<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT {
        s.serialize_i64(*value as i64)
    } else {
        s.serialize_f64(*value)
    }
}

/// The `slo` document; entries keep the order of the specs and their objectives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SloReport {
    pub kind: &'static str,
    #[serde(with = "rfc3339")]
    pub generated_at: DateTime<Utc>,
    pub slos: Vec<SloResult>,
}

impl SloReport {
    pub fn new(generated_at: DateTime<Utc>, slos: Vec<SloResult>) -> SloReport {
        SloReport {
            kind: "slo",
            generated_at,
            slos,
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.slos.iter().filter(|r| r.status == status).count()
    }

    /// Exit 1 when any objective is `violated`; on `at_risk` or `no_data` only when strict.
    pub fn violated(&self, strict: bool) -> bool {
        exit_code(&self.slos, strict) == 1
    }
}

/// The contract's exit code for a set of results: 1 when any is `violated` (or, when
/// strict, `at_risk` or `no_data`), else 0.
pub fn exit_code(results: &[SloResult], strict: bool) -> u8 {
    u8::from(results.iter().any(|r| r.status.fails(strict)))
}
