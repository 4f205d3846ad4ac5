//! One check's status from its newest timestamp, as dbt's `source freshness` decides it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::threshold::Threshold;
use crate::domain::rfc3339;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub enum Status {
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "warn")]
    Warn,
    #[serde(rename = "error")]
    Error,
    #[serde(rename = "runtime error")]
    RuntimeError,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::RuntimeError => "runtime error",
        }
    }

    /// Display order: what needs attention first.
    fn severity(self) -> u8 {
        match self {
            Status::RuntimeError => 0,
            Status::Error => 1,
            Status::Warn => 2,
            Status::Pass => 3,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Criteria {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_after: Option<Threshold>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_after: Option<Threshold>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// What a source measured: the newest load time, or why it could not tell.
pub type Measurement = Result<DateTime<Utc>, String>;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FreshnessResult {
    pub unique_id: String,
    #[serde(serialize_with = "rfc3339::option")]
    pub max_loaded_at: Option<DateTime<Utc>>,
    #[serde(with = "rfc3339")]
    pub snapshotted_at: DateTime<Utc>,
    pub max_loaded_at_time_ago_in_s: Option<f64>,
    pub status: Status,
    pub criteria: Criteria,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `error` when the age is greater than `error_after`, else `warn` when greater than
/// `warn_after`, else `pass`; `runtime error` when nothing could be measured.
pub fn evaluate(
    unique_id: &str,
    criteria: &Criteria,
    measurement: Measurement,
    now: DateTime<Utc>,
) -> FreshnessResult {
    let base = FreshnessResult {
        unique_id: unique_id.to_string(),
        max_loaded_at: None,
        snapshotted_at: now,
        max_loaded_at_time_ago_in_s: None,
        status: Status::RuntimeError,
        criteria: criteria.clone(),
        error: None,
    };
    match measurement {
        Err(error) => FreshnessResult {
            error: Some(error),
            ..base
        },
        Ok(loaded_at) => {
            let age = (now - loaded_at).num_milliseconds() as f64 / 1000.0;
            let over = |t: Option<Threshold>| t.is_some_and(|t| age > t.seconds());
            let status = if over(criteria.error_after) {
                Status::Error
            } else if over(criteria.warn_after) {
                Status::Warn
            } else {
                Status::Pass
            };
            FreshnessResult {
                max_loaded_at: Some(loaded_at),
                max_loaded_at_time_ago_in_s: Some(age),
                status,
                ..base
            }
        }
    }
}

/// Worst status first, then oldest first.
pub fn sort_for_display(results: &mut [FreshnessResult]) {
    results.sort_by(|a, b| {
        a.status
            .severity()
            .cmp(&b.status.severity())
            .then_with(|| {
                b.max_loaded_at_time_ago_in_s
                    .unwrap_or(f64::MAX)
                    .total_cmp(&a.max_loaded_at_time_ago_in_s.unwrap_or(f64::MAX))
            })
            .then_with(|| a.unique_id.cmp(&b.unique_id))
    });
}

/// The contract's `freshness` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FreshnessReport {
    pub kind: &'static str,
    #[serde(with = "rfc3339")]
    pub generated_at: DateTime<Utc>,
    pub results: Vec<FreshnessResult>,
}

impl FreshnessReport {
    pub fn new(generated_at: DateTime<Utc>, mut results: Vec<FreshnessResult>) -> FreshnessReport {
        sort_for_display(&mut results);
        FreshnessReport {
            kind: "freshness",
            generated_at,
            results,
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }

    /// Exit 1 on any `error` or `runtime error`; on `warn` only when strict.
    pub fn violated(&self, strict: bool) -> bool {
        self.results.iter().any(|r| match r.status {
            Status::Error | Status::RuntimeError => true,
            Status::Warn => strict,
            Status::Pass => false,
        })
    }
}

/// The criteria the tests use: warn after 2 hours, error after a day.
#[cfg(test)]
pub(crate) fn two_hours_one_day() -> Criteria {
    Criteria {
        warn_after: Threshold::new(2, super::Period::Hour).ok(),
        error_after: Threshold::new(1, super::Period::Day).ok(),
        filter: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
    }

    fn criteria() -> Criteria {
        two_hours_one_day()
    }

    fn status_at(age: Duration) -> Status {
        evaluate("source.a.b", &criteria(), Ok(now() - age), now()).status
    }

    #[test]
    fn thresholds_are_exclusive_greater_than() {
        assert_eq!(
            status_at(Duration::hours(2)),
            Status::Pass,
            "exactly warn_after is still fresh"
        );
        assert_eq!(
            status_at(Duration::hours(2) + Duration::seconds(1)),
            Status::Warn
        );
        assert_eq!(
            status_at(Duration::days(1)),
            Status::Warn,
            "exactly error_after is a warning"
        );
        assert_eq!(
            status_at(Duration::days(1) + Duration::milliseconds(1)),
            Status::Error
        );
        assert_eq!(status_at(Duration::seconds(0)), Status::Pass);
    }

    #[test]
    fn age_is_seconds_since_the_newest_load() {
        let r = evaluate(
            "source.a.b",
            &criteria(),
            Ok(now() - Duration::minutes(90)),
            now(),
        );
        assert_eq!(r.max_loaded_at_time_ago_in_s, Some(5400.0));
        assert_eq!(r.max_loaded_at, Some(now() - Duration::minutes(90)));
    }

    #[test]
    fn only_error_after_or_only_warn_after_work_alone() {
        let only_error = Criteria {
            warn_after: None,
            ..criteria()
        };
        assert_eq!(
            evaluate("x", &only_error, Ok(now() - Duration::hours(5)), now()).status,
            Status::Pass
        );
        let only_warn = Criteria {
            error_after: None,
            ..criteria()
        };
        assert_eq!(
            evaluate("x", &only_warn, Ok(now() - Duration::days(9)), now()).status,
            Status::Warn
        );
    }

    #[test]
    fn a_failed_measurement_is_a_runtime_error_with_nulls() {
        let r = evaluate("x", &criteria(), Err("no file matches".into()), now());
        assert_eq!(r.status, Status::RuntimeError);
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["max_loaded_at"].is_null() && json["max_loaded_at_time_ago_in_s"].is_null());
        assert_eq!(json["status"], "runtime error");
        assert_eq!(json["error"], "no file matches");
        assert_eq!(
            json["criteria"]["warn_after"],
            serde_json::json!({"count": 2, "period": "hour"})
        );
    }

    #[test]
    fn display_order_is_worst_then_oldest() {
        let mut results = vec![
            evaluate("pass", &criteria(), Ok(now()), now()),
            evaluate(
                "warn-new",
                &criteria(),
                Ok(now() - Duration::hours(3)),
                now(),
            ),
            evaluate("broken", &criteria(), Err("x".into()), now()),
            evaluate(
                "warn-old",
                &criteria(),
                Ok(now() - Duration::hours(5)),
                now(),
            ),
            evaluate("error", &criteria(), Ok(now() - Duration::days(3)), now()),
        ];
        sort_for_display(&mut results);
        let ids: Vec<_> = results.iter().map(|r| r.unique_id.as_str()).collect();
        assert_eq!(ids, ["broken", "error", "warn-old", "warn-new", "pass"]);
    }

    #[test]
    fn exit_rules() {
        let warn = FreshnessReport::new(
            now(),
            vec![evaluate(
                "w",
                &criteria(),
                Ok(now() - Duration::hours(3)),
                now(),
            )],
        );
        assert!(!warn.violated(false));
        assert!(warn.violated(true));
        let broken = FreshnessReport::new(
            now(),
            vec![evaluate("b", &criteria(), Err("x".into()), now())],
        );
        assert!(broken.violated(false));
    }
}
