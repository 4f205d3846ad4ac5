//! The contract's four metric blocks, and the rework rate, over one window.
//!
//! Empty is not zero: without deployments (or changes, or restored incidents) a metric has
//! no median, ratio or level (`null`), since "none found" more often means a wrong tag pattern
//! or source than a team that never ships. Counts and `per_week` stay numbers.

use serde::Serialize;

use super::history::{History, Shipped};
use super::impact::FailuresFrom;
use super::level::{self, Level};
use super::stats::{median, nearest_rank, sorted};
use super::window::Window;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeploymentFrequency {
    pub deployments: usize,
    /// deployments / (window days / 7).
    pub per_week: f64,
    pub level: Option<Level>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LeadTimeForChanges {
    /// Changes first shipped by deployments in the window (after the path filter).
    pub changes: usize,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    /// Graded on the median.
    pub level: Option<Level>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangeFailureRate {
    /// Deployments in the window with at least one incident, whenever it opened.
    pub failed_deployments: usize,
    /// failed_deployments / deployments.
    pub ratio: Option<f64>,
    pub level: Option<Level>,
    /// What counted as a failure, when deployments were assessed (`--impact`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures_from: Option<FailuresFrom>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimeToRestore {
    /// Incidents opened in the window and resolved before now.
    pub incidents: usize,
    pub median_seconds: Option<f64>,
    pub level: Option<Level>,
}

/// DORA 2024's fifth metric: the share of deployments that were unplanned fixes. DORA
/// publishes no levels for it, so it has none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeploymentReworkRate {
    /// Deployments that are a hotfix, an incident fix, or both.
    pub rework_deployments: usize,
    /// Deployments whose tag or message matched the hotfix pattern.
    pub hotfixes: usize,
    /// Deployments that were the first after an incident opened, at or before its resolution.
    pub incident_fixes: usize,
    /// rework_deployments / deployments.
    pub ratio: Option<f64>,
}

/// Every metric over one window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowMetrics {
    pub window: Window,
    pub deployment_frequency: DeploymentFrequency,
    pub lead_time_for_changes: LeadTimeForChanges,
    pub change_failure_rate: ChangeFailureRate,
    pub time_to_restore: TimeToRestore,
    pub deployment_rework_rate: DeploymentReworkRate,
}

impl WindowMetrics {
    pub fn over(history: &History, window: Window) -> WindowMetrics {
        let deployments = history.deployments_in(window);
        let n = deployments.len();
        let share = |k: usize| (n > 0).then(|| k as f64 / n as f64);

        let lead_times = sorted(
            deployments
                .iter()
                .flat_map(|d| d.lead_times.iter().copied())
                .collect(),
        );
        let lead_median = median(&lead_times);

        let restores = sorted(
            history
                .incidents_in(window)
                .iter()
                .filter_map(|i| i.restore_seconds)
                .collect(),
        );
        let restore_median = median(&restores);

        let count = |f: fn(&Shipped) -> bool| deployments.iter().filter(|d| f(d)).count();
        let failed = count(|d| d.failed);
        let rework = count(|d| d.hotfix || d.fixes_incident);

        WindowMetrics {
            window,
            deployment_frequency: DeploymentFrequency {
                deployments: n,
                per_week: per_week(n, window),
                level: level::deployment_frequency(n, window.length()),
            },
            lead_time_for_changes: LeadTimeForChanges {
                changes: lead_times.len(),
                median_seconds: lead_median,
                p90_seconds: nearest_rank(&lead_times, 90),
                level: lead_median.map(level::lead_time),
            },
            change_failure_rate: ChangeFailureRate {
                failed_deployments: failed,
                ratio: share(failed),
                level: level::change_failure_rate(failed, n),
                failures_from: history.failures_from,
            },
            time_to_restore: TimeToRestore {
                incidents: restores.len(),
                median_seconds: restore_median,
                level: restore_median.map(level::time_to_restore),
            },
            deployment_rework_rate: DeploymentReworkRate {
                rework_deployments: rework,
                hotfixes: count(|d| d.hotfix),
                incident_fixes: count(|d| d.fixes_incident),
                ratio: share(rework),
            },
        }
    }
}

/// deployments / (window days / 7), as n·7 days / window: one rounding, so 63 deployments in
/// 90 days is exactly 4.9.
pub fn per_week(deployments: usize, window: Window) -> f64 {
    const WEEK_MS: f64 = 604_800_000.0;
    deployments as f64 * WEEK_MS / window.length().num_milliseconds() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::four_keys::fixtures::{change, deploy, hotfix, incident, t};
    use crate::domain::four_keys::model::{Deployment, Incident};

    const NOW: &str = "2026-04-01T00:00:00Z";

    fn week() -> Window {
        Window {
            start: t("2026-03-25T00:00:00Z"),
            end: t(NOW),
        }
    }

    fn metrics(ds: &[Deployment], is: &[Incident], window: Window) -> WindowMetrics {
        WindowMetrics::over(&History::new(ds, is, &[], t(NOW)), window)
    }

    fn daily(n: usize, from: &str) -> Vec<Deployment> {
        (0..n)
            .map(|i| {
                let at = t(from) + chrono::Duration::days(i as i64);
                Deployment {
                    deployed_at: at,
                    ..deploy(&format!("d{i}"), &format!("{i:07}"), from, vec![])
                }
            })
            .collect()
    }

    #[test]
    fn per_week_is_deployments_over_window_days_divided_by_seven() {
        let w = |days| Window {
            start: t(NOW) - chrono::Duration::days(days),
            end: t(NOW),
        };
        assert_eq!(per_week(63, w(90)), 4.9);
        assert_eq!(per_week(9, w(90)), 0.7);
        assert_eq!(per_week(7, w(7)), 7.0);
        assert_eq!(per_week(1, w(14)), 0.5);
        assert_eq!(per_week(0, w(90)), 0.0);
    }

    #[test]
    fn a_deployment_exactly_at_the_start_counts_and_one_at_now_does_not() {
        let ds = [
            deploy("before", "a", "2026-03-24T23:59:59Z", vec![]),
            deploy("start", "b", "2026-03-25T00:00:00Z", vec![]),
            deploy("last", "c", "2026-03-31T23:59:59Z", vec![]),
            deploy("now", "d", NOW, vec![]),
        ];
        let m = metrics(&ds, &[], week());
        assert_eq!(m.deployment_frequency.deployments, 2);
        assert_eq!(m.deployment_frequency.per_week, 2.0);
        assert_eq!(m.deployment_frequency.level, Some(Level::High));
    }

    #[test]
    fn seven_deployments_in_a_week_window_is_elite() {
        let m = metrics(&daily(7, "2026-03-25T00:00:00Z"), &[], week());
        assert_eq!(m.deployment_frequency.per_week, 7.0);
        assert_eq!(m.deployment_frequency.level, Some(Level::Elite));
        let m = metrics(&daily(6, "2026-03-25T00:00:00Z"), &[], week());
        assert_eq!(m.deployment_frequency.level, Some(Level::High));
    }

    #[test]
    fn lead_time_covers_changes_first_shipped_in_the_window() {
        let ds = [
            deploy(
                "old",
                "a",
                "2026-03-24T00:00:00Z",
                vec![change("a", "2026-03-20T00:00:00Z")],
            ),
            deploy(
                "new",
                "c",
                "2026-03-26T00:00:00Z",
                vec![
                    change("b", "2026-03-23T00:00:00Z"),
                    change("c", "2026-03-25T00:00:00Z"),
                ],
            ),
            deploy(
                "newer",
                "d",
                "2026-03-27T00:00:00Z",
                vec![change("d", "2026-03-26T12:00:00Z")],
            ),
        ];
        let m = metrics(&ds, &[], week());
        let lt = m.lead_time_for_changes;
        assert_eq!(lt.changes, 3);
        assert_eq!(lt.median_seconds, Some(86_400.0));
        assert_eq!(lt.p90_seconds, Some(3.0 * 86_400.0));
        assert_eq!(
            lt.level,
            Some(Level::High),
            "a median of exactly 1 day is high"
        );
    }

    #[test]
    fn lead_time_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let ds = [deploy(
            "d",
            "x",
            "2026-03-26T00:00:00Z",
            vec![
                change("a", "2026-03-25T23:00:00Z"),
                change("b", "2026-03-25T22:00:00Z"),
                change("c", "2026-03-25T21:00:00Z"),
                change("x", "2026-03-25T20:00:00Z"),
            ],
        )];
        let lt = metrics(&ds, &[], week()).lead_time_for_changes;
        assert_eq!(lt.median_seconds, Some(2.5 * 3_600.0));
        assert_eq!(lt.p90_seconds, Some(4.0 * 3_600.0));
        assert_eq!(lt.level, Some(Level::Elite));
    }

    #[test]
    fn a_rollback_with_zero_changes_is_a_deployment_without_lead_time() {
        let ds = [
            deploy(
                "v1",
                "a",
                "2026-03-26T00:00:00Z",
                vec![change("a", "2026-03-25T00:00:00Z")],
            ),
            deploy(
                "v2",
                "b",
                "2026-03-27T00:00:00Z",
                vec![change("b", "2026-03-26T00:00:00Z")],
            ),
            deploy("rollback", "a", "2026-03-28T00:00:00Z", vec![]),
        ];
        let m = metrics(&ds, &[], week());
        assert_eq!(m.deployment_frequency.deployments, 3);
        assert_eq!(m.lead_time_for_changes.changes, 2);
    }

    #[test]
    fn change_failure_rate_counts_failed_deployments_in_the_window() {
        let ds = [
            deploy("old", "a", "2026-03-20T00:00:00Z", vec![]),
            deploy("b", "b", "2026-03-26T00:00:00Z", vec![]),
            deploy("c", "c", "2026-03-27T00:00:00Z", vec![]),
            deploy("d", "d", "2026-03-28T00:00:00Z", vec![]),
            deploy("e", "e", "2026-03-29T00:00:00Z", vec![]),
        ];
        let is = [
            // Opened in the window, caused before it: the old deployment is not in the window.
            incident("1", "2026-03-25T12:00:00Z", None, None),
            incident(
                "2",
                "2026-03-26T12:00:00Z",
                Some("2026-03-26T13:00:00Z"),
                None,
            ),
            incident("3", "2026-03-26T14:00:00Z", None, Some("b")),
            incident("4", "2026-03-29T12:00:00Z", None, None),
        ];
        let cfr = metrics(&ds, &is, week()).change_failure_rate;
        assert_eq!(cfr.failed_deployments, 2, "b twice, e once");
        assert_eq!(cfr.ratio, Some(0.5));
        assert_eq!(cfr.level, Some(Level::Low));
    }

    #[test]
    fn time_to_restore_covers_incidents_opened_in_the_window_and_resolved() {
        let is = [
            incident(
                "before",
                "2026-03-24T00:00:00Z",
                Some("2026-03-25T01:00:00Z"),
                None,
            ),
            incident(
                "a",
                "2026-03-25T00:00:00Z",
                Some("2026-03-25T00:30:00Z"),
                None,
            ),
            incident(
                "b",
                "2026-03-26T00:00:00Z",
                Some("2026-03-26T01:30:00Z"),
                None,
            ),
            incident("open", "2026-03-27T00:00:00Z", None, None),
        ];
        let ttr = metrics(&[], &is, week()).time_to_restore;
        assert_eq!(ttr.incidents, 2);
        assert_eq!(ttr.median_seconds, Some(3_600.0));
        assert_eq!(ttr.level, Some(Level::High), "exactly 1 hour is high");
    }

    #[test]
    fn empty_inputs_have_null_levels_medians_and_ratios() {
        let m = metrics(&[], &[], week());
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "window": {"start": "2026-03-25T00:00:00Z", "end": "2026-04-01T00:00:00Z"},
                "deployment_frequency": {"deployments": 0, "per_week": 0.0, "level": null},
                "lead_time_for_changes": {"changes": 0, "median_seconds": null, "p90_seconds": null, "level": null},
                "change_failure_rate": {"failed_deployments": 0, "ratio": null, "level": null},
                "time_to_restore": {"incidents": 0, "median_seconds": null, "level": null},
                "deployment_rework_rate": {"rework_deployments": 0, "hotfixes": 0, "incident_fixes": 0, "ratio": null}
            })
        );
    }

    #[test]
    fn rework_rate_is_the_share_of_unplanned_fix_deployments() {
        let ds = [
            deploy("a", "a", "2026-03-26T00:00:00Z", vec![]),
            deploy("fix", "b", "2026-03-26T02:00:00Z", vec![]),
            hotfix("hot-fix", "c", "2026-03-27T00:00:00Z", vec![]),
            deploy("d", "d", "2026-03-28T00:00:00Z", vec![]),
        ];
        let is = [
            incident(
                "1",
                "2026-03-26T01:00:00Z",
                Some("2026-03-26T03:00:00Z"),
                None,
            ),
            incident(
                "2",
                "2026-03-26T23:00:00Z",
                Some("2026-03-27T00:00:00Z"),
                None,
            ),
        ];
        let rr = metrics(&ds, &is, week()).deployment_rework_rate;
        assert_eq!(rr.rework_deployments, 2, "hot-fix is both, counted once");
        assert_eq!(rr.hotfixes, 1);
        assert_eq!(rr.incident_fixes, 2);
        assert_eq!(rr.ratio, Some(0.5));
    }
}
