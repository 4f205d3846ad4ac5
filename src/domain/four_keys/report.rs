//! The contract's `four_keys` document: the four metric blocks over `[now − since, now)` in
//! the contract's order, then the additions: the rework rate, the weekly trend, the same
//! metrics over the previous window, and the change versus it.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::compare::Comparison;
use super::history::{History, Shipped};
use super::impact::{Assessment, FailuresFrom, SloImpact};
use super::metrics::WindowMetrics;
use super::model::{Deployment, Incident};
use super::weekly::{weekly, Week};
use super::window::Window;
use crate::domain::crash_free::ReleaseHealth;
use crate::domain::rfc3339;

/// What the command line decides; the data comes separately.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// `--since`: the window is `[now − since, now)`.
    pub since: Duration,
    /// `--path` prefixes; empty keeps every change.
    pub paths: Vec<String>,
    /// `--tz`: where ISO weeks start.
    pub tz: Tz,
    /// `--failures-from`: read only when deployments were assessed (`--impact`).
    pub failures_from: FailuresFrom,
}

impl Options {
    pub fn new(since: Duration) -> Options {
        Options {
            since,
            paths: Vec::new(),
            tz: chrono_tz::UTC,
            failures_from: FailuresFrom::Incidents,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FourKeysReport {
    pub kind: &'static str,
    #[serde(with = "rfc3339")]
    pub generated_at: DateTime<Utc>,
    /// `window`, the four contract blocks and `deployment_rework_rate`, at the top level.
    #[serde(flatten)]
    pub current: WindowMetrics,
    pub weekly: Vec<Week>,
    /// The same figures over `[now − 2·since, now − since)`, with everything known by now.
    pub previous: WindowMetrics,
    pub change_vs_previous: Comparison,
    /// Each deployment in the window, oldest first; with `impact`, `crash_free` and
    /// `suspect` when assessed (`--impact`).
    pub deployments: Vec<DeploymentEntry>,
    /// For stderr: incidents opened in either window whose `caused_by` named nothing (they
    /// fell back to the last deployment before opening) or whose times are reversed. Older
    /// ones cannot affect the figures, so they stay quiet.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// The contract's `deployments` entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeploymentEntry {
    /// The tag name or deployment id.
    pub name: String,
    #[serde(with = "rfc3339")]
    pub time: DateTime<Utc>,
    pub commit: String,
    /// Changes it first shipped (after the path filter).
    pub changes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Vec<SloImpact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_free: Option<Vec<ReleaseHealth>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspect: Option<bool>,
    /// Whether it counts in the change failure rate.
    pub failed: bool,
}

impl DeploymentEntry {
    /// `source` is the input deployment `d` was made from.
    fn new(d: &Shipped, source: &Deployment, assessment: Option<&Assessment>) -> DeploymentEntry {
        DeploymentEntry {
            name: source.id.clone(),
            time: d.at,
            commit: source.commit.clone(),
            changes: d.lead_times.len(),
            impact: assessment.map(|a| a.impact.clone()),
            crash_free: assessment.and_then(|a| a.crash_free.clone()),
            suspect: assessment.map(|a| a.suspect),
            failed: d.failed,
        }
    }
}

/// The report at `now`. Errors only for a `since` that is not positive or reaches before
/// any representable date.
pub fn evaluate(
    deployments: &[Deployment],
    incidents: &[Incident],
    options: &Options,
    now: DateTime<Utc>,
) -> Result<FourKeysReport, String> {
    evaluate_assessed(deployments, incidents, None, options, now)
}

/// [`evaluate`] with deployments assessed (`--impact`): `assessments[i]` belongs to
/// `deployments[i]` (`None` for one not assessed), and `options.failures_from` decides which
/// deployments count as failed.
pub fn evaluate_assessed(
    deployments: &[Deployment],
    incidents: &[Incident],
    assessments: Option<&[Option<Assessment>]>,
    options: &Options,
    now: DateTime<Utc>,
) -> Result<FourKeysReport, String> {
    let window = Window::last(options.since, now).map_err(|e| format!("--since {e}"))?;
    let mut history = History::new(deployments, incidents, &options.paths, now);
    if let Some(assessments) = assessments {
        let suspect: Vec<bool> = assessments
            .iter()
            .map(|a| a.as_ref().is_some_and(|a| a.suspect))
            .collect();
        history.count_failures(&suspect, options.failures_from);
    }
    let assessment = |d: &Shipped| assessments.and_then(|a| a.get(d.input)?.as_ref());
    let entries = history
        .deployments_in(window)
        .iter()
        .map(|d| DeploymentEntry::new(d, &deployments[d.input], assessment(d)))
        .collect();
    let current = WindowMetrics::over(&history, window);
    let previous = WindowMetrics::over(&history, window.previous());
    let warnings = history
        .warnings
        .iter()
        .filter(|(opened, _)| *opened >= previous.window.start)
        .map(|(_, line)| line.clone())
        .collect();
    Ok(FourKeysReport {
        kind: "four_keys",
        generated_at: now,
        weekly: weekly(&history, window, options.tz),
        change_vs_previous: Comparison::new(&previous, &current),
        current,
        previous,
        deployments: entries,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::four_keys::compare::Direction;
    use crate::domain::four_keys::fixtures::{change, change_in, deploy, hotfix, incident, t};
    use crate::domain::four_keys::level::Level;

    const NOW: &str = "2026-03-16T00:00:00Z";

    fn two_weeks() -> Options {
        Options::new(Duration::days(7))
    }

    #[test]
    fn the_json_has_the_contract_blocks_in_order_then_the_additions() {
        let ds = [deploy(
            "deploy/1",
            "a",
            "2026-03-10T00:00:00Z",
            vec![change("a", "2026-03-09T00:00:00Z")],
        )];
        let r = evaluate(&ds, &[], &two_weeks(), t(NOW)).unwrap();
        let text = serde_json::to_string(&r).unwrap();
        assert!(
            text.starts_with(
                r#"{"kind":"four_keys","generated_at":"2026-03-16T00:00:00Z","window":{"start":"2026-03-09T00:00:00Z","end":"2026-03-16T00:00:00Z"},"deployment_frequency":{"deployments":1,"per_week":1.0,"level":"high"},"lead_time_for_changes":{"changes":1,"median_seconds":86400.0,"p90_seconds":86400.0,"level":"high"},"change_failure_rate":{"failed_deployments":0,"ratio":0.0,"level":"elite"},"time_to_restore":{"incidents":0,"median_seconds":null,"level":null},"deployment_rework_rate":{"rework_deployments":0,"hotfixes":0,"incident_fixes":0,"ratio":0.0},"weekly":[{"week":"2026-W11","start":"2026-03-09","partial":false,"deployments":1,"#
            ),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "kind",
                "generated_at",
                "window",
                "deployment_frequency",
                "lead_time_for_changes",
                "change_failure_rate",
                "time_to_restore",
                "deployment_rework_rate",
                "weekly",
                "previous",
                "change_vs_previous",
                "deployments"
            ]
        );
        assert_eq!(
            json["previous"]["window"],
            serde_json::json!({"start": "2026-03-02T00:00:00Z", "end": "2026-03-09T00:00:00Z"})
        );
        assert!(json.get("warnings").is_none());
    }

    #[test]
    fn no_deployments_and_no_incidents_is_an_empty_report_with_null_levels() {
        let r = evaluate(&[], &[], &Options::new(Duration::days(90)), t(NOW)).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        for block in [
            "deployment_frequency",
            "lead_time_for_changes",
            "change_failure_rate",
            "time_to_restore",
        ] {
            assert_eq!(json[block]["level"], serde_json::Value::Null, "{block}");
            assert_eq!(json["previous"][block]["level"], serde_json::Value::Null);
        }
        assert_eq!(json["deployment_frequency"]["per_week"], 0.0);
        assert_eq!(
            json["weekly"].as_array().unwrap().len(),
            13,
            "90 days from Tuesday 2025-12-16 touch 13 ISO weeks"
        );
        assert_eq!(
            json["change_vs_previous"]["deployment_frequency"]["direction"],
            "same"
        );
        assert_eq!(
            json["change_vs_previous"]["lead_time_for_changes"]["direction"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn the_previous_window_is_graded_the_same_way_with_what_is_known_now() {
        let ds = [
            deploy(
                "p1",
                "a",
                "2026-03-02T00:00:00Z",
                vec![change("a", "2026-03-01T00:00:00Z")],
            ),
            deploy(
                "p2",
                "b",
                "2026-03-07T23:59:59Z",
                vec![change("b", "2026-03-07T00:00:00Z")],
            ),
            deploy(
                "c1",
                "c",
                "2026-03-09T00:00:00Z",
                vec![change("c", "2026-03-08T23:00:00Z")],
            ),
            hotfix(
                "c2",
                "d",
                "2026-03-10T00:00:00Z",
                vec![change("d", "2026-03-09T23:30:00Z")],
            ),
            deploy(
                "c3",
                "e",
                "2026-03-11T00:00:00Z",
                vec![change("e", "2026-03-10T23:30:00Z")],
            ),
        ];
        let is = [
            // Opened in the previous window, resolved in this one: the previous window's.
            incident(
                "1",
                "2026-03-08T00:00:00Z",
                Some("2026-03-09T12:00:00Z"),
                Some("p1"),
            ),
        ];
        let r = evaluate(&ds, &is, &two_weeks(), t(NOW)).unwrap();
        let p = &r.previous;
        assert_eq!(p.deployment_frequency.deployments, 2);
        assert_eq!(p.deployment_frequency.level, Some(Level::High));
        assert_eq!(
            p.lead_time_for_changes.median_seconds,
            Some(0.5 * (86_400.0 + 86_399.0))
        );
        assert_eq!(p.change_failure_rate.failed_deployments, 1);
        assert_eq!(p.change_failure_rate.ratio, Some(0.5));
        assert_eq!(p.time_to_restore.incidents, 1);
        assert_eq!(p.time_to_restore.median_seconds, Some(36.0 * 3_600.0));
        assert_eq!(p.time_to_restore.level, Some(Level::Medium));

        let c = &r.current;
        assert_eq!(c.deployment_frequency.deployments, 3);
        assert_eq!(c.lead_time_for_changes.median_seconds, Some(1_800.0));
        assert_eq!(c.change_failure_rate.ratio, Some(0.0));
        assert_eq!(c.time_to_restore.incidents, 0);
        assert_eq!(
            c.deployment_rework_rate.rework_deployments, 2,
            "c1 restored incident 1; c2 is a hotfix"
        );

        let change = &r.change_vs_previous;
        assert_eq!(change.deployment_frequency.delta, Some(1.0));
        assert_eq!(change.deployment_frequency.relative, Some(0.5));
        assert_eq!(
            change.deployment_frequency.direction,
            Some(Direction::Better)
        );
        assert_eq!(change.change_failure_rate.delta, Some(-0.5));
        assert_eq!(
            change.change_failure_rate.direction,
            Some(Direction::Better)
        );
        assert_eq!(change.time_to_restore.delta, None);
        assert_eq!(
            change.deployment_rework_rate.direction,
            Some(Direction::Worse)
        );
    }

    #[test]
    fn the_path_filter_narrows_lead_time_not_deployments() {
        let ds = [
            deploy(
                "d1",
                "b",
                "2026-03-10T00:00:00Z",
                vec![
                    change_in("a", "2026-03-09T00:00:00Z", &["services/api/x.rs"]),
                    change_in("b", "2026-03-05T00:00:00Z", &["services/web/y.ts"]),
                ],
            ),
            deploy(
                "d2",
                "c",
                "2026-03-11T00:00:00Z",
                vec![change_in("c", "2026-03-10T00:00:00Z", &["docs/z.md"])],
            ),
        ];
        let options = Options {
            paths: vec!["services/api".into()],
            ..two_weeks()
        };
        let r = evaluate(&ds, &[], &options, t(NOW)).unwrap();
        assert_eq!(r.current.deployment_frequency.deployments, 2);
        assert_eq!(r.current.lead_time_for_changes.changes, 1);
        assert_eq!(
            r.current.lead_time_for_changes.median_seconds,
            Some(86_400.0)
        );
    }

    #[test]
    fn unmatched_causes_are_warnings_not_json() {
        let ds = [deploy("d1", "a", "2026-03-10T00:00:00Z", vec![])];
        let is = [incident(
            "INC-1",
            "2026-03-10T01:00:00Z",
            None,
            Some("abcdef0"),
        )];
        let r = evaluate(&ds, &is, &two_weeks(), t(NOW)).unwrap();
        assert_eq!(r.current.change_failure_rate.failed_deployments, 1);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].starts_with("incident \"INC-1\": caused_by \"abcdef0\""));
    }

    #[test]
    fn incidents_older_than_both_windows_raise_no_warning() {
        let is = [
            incident("old", "2026-03-01T23:59:59Z", None, Some("nope")),
            incident("prev", "2026-03-02T00:00:00Z", None, Some("nope")),
        ];
        let r = evaluate(&[], &is, &two_weeks(), t(NOW)).unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].starts_with("incident \"prev\""),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn the_deployments_list_has_the_window_and_impact_only_when_assessed() {
        let ds = [
            deploy(
                "old",
                "a",
                "2026-03-01T00:00:00Z",
                vec![change("a", "2026-03-01T00:00:00Z")],
            ),
            deploy(
                "v1.4.2",
                "b",
                "2026-03-10T00:00:00Z",
                vec![
                    change("a", "2026-03-01T00:00:00Z"),
                    change("b", "2026-03-09T00:00:00Z"),
                ],
            ),
        ];
        let r = evaluate(&ds, &[], &two_weeks(), t(NOW)).unwrap();
        let json = serde_json::to_value(&r.deployments).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"name": "v1.4.2", "time": "2026-03-10T00:00:00Z", "commit": "b",
                                "changes": 1, "failed": false}]),
            "a commit already shipped by `old` is not a change of v1.4.2"
        );
        let assessed = [
            None,
            Some(Assessment {
                suspect: true,
                ..Assessment::default()
            }),
        ];
        let options = Options {
            failures_from: FailuresFrom::Slo,
            ..two_weeks()
        };
        let r = evaluate_assessed(&ds, &[], Some(&assessed), &options, t(NOW)).unwrap();
        let json = serde_json::to_value(&r.deployments).unwrap();
        assert_eq!(json[0]["impact"], serde_json::json!([]));
        assert_eq!(json[0]["suspect"], true);
        assert_eq!(json[0]["failed"], true);
        assert!(json[0].get("crash_free").is_none());
        assert_eq!(r.current.change_failure_rate.failed_deployments, 1);
        assert_eq!(r.current.change_failure_rate.ratio, Some(1.0));
    }

    #[test]
    fn a_bad_since_is_an_error() {
        let err = evaluate(&[], &[], &Options::new(Duration::zero()), t(NOW)).unwrap_err();
        assert_eq!(err, "--since must be longer than zero");
    }
}
