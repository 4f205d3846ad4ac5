//! Alert state for scheduled runs: post when a check's status changes, and remind every so
//! often while it stays failing, instead of posting the same failure every 15 minutes.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::evaluate::{FreshnessResult, Status};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckState {
    pub status: Status,
    /// When the check entered this status.
    pub since: DateTime<Utc>,
    /// When an alert about it was last sent.
    pub notified_at: Option<DateTime<Utc>>,
}

/// What the state file holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub checks: BTreeMap<String, CheckState>,
}

/// Every run's alert state in one file, by scope (the config, or the dbt inputs, a run
/// checks): runs of different configs sharing a state file keep each other's checks instead
/// of each replacing the others' and alerting again every time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertStore {
    /// The file's format: 2 (version 1 held one run's `checks` at the top).
    pub version: u32,
    pub scopes: BTreeMap<String, AlertState>,
}

impl Default for AlertStore {
    fn default() -> Self {
        AlertStore {
            version: 2,
            scopes: BTreeMap::new(),
        }
    }
}

impl AlertStore {
    /// The state a scope saved last (nothing yet: every check counts as passing).
    pub fn scope(&self, scope: &str) -> AlertState {
        self.scopes.get(scope).cloned().unwrap_or_default()
    }

    /// The store with `scope`'s state replaced and every other scope's kept.
    pub fn with_scope(mut self, scope: &str, state: AlertState) -> AlertStore {
        self.scopes.insert(scope.to_string(), state);
        self
    }
}

/// Which results to post, and the state to save.
#[derive(Debug, PartialEq)]
pub struct AlertPlan {
    /// unique_ids to include in the alert: changed (including recoveries) or due a reminder.
    pub notify: Vec<String>,
    pub next: AlertState,
}

/// Decides what to post. A check with no previous state counts as previously passing, so a
/// first run alerts about what is already failing and stays quiet about what passes.
pub fn plan_alerts(
    previous: &AlertState,
    results: &[FreshnessResult],
    now: DateTime<Utc>,
    remind_every: Option<Duration>,
) -> AlertPlan {
    let mut notify = Vec::new();
    let mut next = AlertState::default();
    for r in results {
        let before = previous.checks.get(&r.unique_id);
        let before_status = before.map_or(Status::Pass, |b| b.status);
        let changed = before_status != r.status;
        let reminder_due = r.status != Status::Pass
            && !changed
            && match (remind_every, before.and_then(|b| b.notified_at)) {
                (Some(every), Some(last)) => now - last >= every,
                (Some(_), None) => true,
                (None, _) => false,
            };
        let send = changed || reminder_due;
        if send {
            notify.push(r.unique_id.clone());
        }
        next.checks.insert(
            r.unique_id.clone(),
            CheckState {
                status: r.status,
                since: if changed {
                    now
                } else {
                    before.map_or(now, |b| b.since)
                },
                notified_at: if send {
                    Some(now)
                } else {
                    before.and_then(|b| b.notified_at)
                },
            },
        );
    }
    AlertPlan { notify, next }
}

#[cfg(test)]
mod tests {
    use super::super::evaluate::two_hours_one_day;
    use super::*;
    use crate::domain::freshness::evaluate;
    use chrono::TimeZone;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn result(id: &str, age_hours: i64, now: DateTime<Utc>) -> FreshnessResult {
        evaluate(
            id,
            &two_hours_one_day(),
            Ok(now - Duration::hours(age_hours)),
            now,
        )
    }

    #[test]
    fn first_run_alerts_only_about_failures() {
        let plan = plan_alerts(
            &AlertState::default(),
            &[result("ok", 0, at(0)), result("late", 30, at(0))],
            at(0),
            None,
        );
        assert_eq!(plan.notify, ["late"]);
        assert_eq!(plan.next.checks["ok"].status, Status::Pass);
    }

    #[test]
    fn an_unchanged_failure_stays_quiet_until_a_reminder_is_due() {
        let six_hours = Some(Duration::hours(6));
        let first = plan_alerts(
            &AlertState::default(),
            &[result("late", 30, at(0))],
            at(0),
            six_hours,
        );
        assert_eq!(first.notify, ["late"]);
        let quiet = plan_alerts(
            &first.next,
            &[result("late", 30, at(15))],
            at(15),
            six_hours,
        );
        assert!(quiet.notify.is_empty());
        let still_quiet = plan_alerts(
            &quiet.next,
            &[result("late", 30, at(359))],
            at(359),
            six_hours,
        );
        assert!(still_quiet.notify.is_empty());
        let reminder = plan_alerts(
            &still_quiet.next,
            &[result("late", 30, at(360))],
            at(360),
            six_hours,
        );
        assert_eq!(reminder.notify, ["late"]);
        assert_eq!(
            reminder.next.checks["late"].since,
            at(0),
            "still failing since the first run"
        );
    }

    #[test]
    fn scopes_sharing_a_store_keep_each_others_checks() {
        let a = plan_alerts(
            &AlertState::default(),
            &[result("a", 30, at(0))],
            at(0),
            None,
        );
        let b = plan_alerts(
            &AlertState::default(),
            &[result("b", 30, at(0))],
            at(0),
            None,
        );
        let store = AlertStore::default()
            .with_scope("config a.toml", a.next)
            .with_scope("config b.toml", b.next);
        let again = plan_alerts(
            &store.scope("config a.toml"),
            &[result("a", 30, at(15))],
            at(15),
            None,
        );
        assert!(again.notify.is_empty(), "b's run did not erase a's state");
        assert_eq!(store.scope("config c.toml"), AlertState::default());
    }

    #[test]
    fn changes_and_recoveries_alert() {
        let first = plan_alerts(
            &AlertState::default(),
            &[result("t", 3, at(0))],
            at(0),
            None,
        );
        assert_eq!(first.notify, ["t"], "pass → warn");
        let worse = plan_alerts(&first.next, &[result("t", 30, at(15))], at(15), None);
        assert_eq!(worse.notify, ["t"], "warn → error");
        let recovered = plan_alerts(&worse.next, &[result("t", 0, at(30))], at(30), None);
        assert_eq!(recovered.notify, ["t"], "error → pass");
        let calm = plan_alerts(
            &recovered.next,
            &[result("t", 0, at(45))],
            at(45),
            Some(Duration::minutes(1)),
        );
        assert!(calm.notify.is_empty(), "passing checks are never reminded");
    }
}
