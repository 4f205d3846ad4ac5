//! What each deployment and incident amounts to as of `now`, computed once; every window
//! (current, previous, each week) then only selects from it.
//!
//! Nothing at or after `now` exists yet: later deployments and incidents are ignored, and an
//! incident resolved at or after `now` is still unresolved, so a backfill with `--now` sees
//! what a run at that moment would have seen.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::attribution::Index;
use super::impact::FailuresFrom;
use super::model::{Deployment, Incident};
use super::paths::touches;
use super::window::Window;

/// A deployment before `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct Shipped {
    /// Its position in the input: its id and commit, and data that came alongside it
    /// (impact assessments).
    pub input: usize,
    pub at: DateTime<Utc>,
    /// Lead time in seconds of each change it first shipped that passes the path filter.
    /// Adapters list first-shipped changes (reachable from no earlier deployment, however far
    /// back); a commit listed by several deployments all the same counts only at the
    /// earliest, so no figure depends on how far back the input reaches. A commit dated after
    /// its deployment (clock skew, a rebase) counts as 0, never negative.
    pub lead_times: Vec<f64>,
    /// At least one incident belongs to it.
    pub has_incident: bool,
    /// Whether it counts as failed: [`Shipped::has_incident`] unless
    /// [`History::count_failures`] said otherwise.
    pub failed: bool,
    pub hotfix: bool,
    /// The first deployment after an incident opened, at or before it was resolved.
    pub fixes_incident: bool,
}

/// An incident opened before `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    pub at: DateTime<Utc>,
    /// resolved_at − opened_at, when resolved before `now`.
    pub restore_seconds: Option<f64>,
    /// Index into [`History::deployments`] of the deployment it belongs to.
    pub cause: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// Sorted by time; deployments at the same instant keep their input order.
    pub deployments: Vec<Shipped>,
    /// Sorted by opening time.
    pub incidents: Vec<Opened>,
    /// One line per incident whose `caused_by` named nothing, or whose times are reversed,
    /// with its opening time, so a report can keep only those that touch its windows.
    pub warnings: Vec<(DateTime<Utc>, String)>,
    /// Set by [`History::count_failures`].
    pub failures_from: Option<FailuresFrom>,
}

impl History {
    pub fn new(
        deployments: &[Deployment],
        incidents: &[Incident],
        prefixes: &[String],
        now: DateTime<Utc>,
    ) -> History {
        let mut sorted: Vec<(usize, &Deployment)> = deployments
            .iter()
            .enumerate()
            .filter(|(_, d)| d.deployed_at < now)
            .collect();
        sorted.sort_by_key(|(_, d)| d.deployed_at);
        let mut seen = HashSet::new();
        let mut shipped: Vec<Shipped> = sorted
            .iter()
            .map(|&(input, d)| Shipped {
                input,
                at: d.deployed_at,
                lead_times: d
                    .changes
                    .iter()
                    .filter(|c| seen.insert(c.sha.as_str()))
                    .filter(|c| touches(&c.paths, prefixes))
                    .map(|c| seconds(d.deployed_at - c.committed_at).max(0.0))
                    .collect(),
                has_incident: false,
                failed: false,
                hotfix: d.is_hotfix,
                fixes_incident: false,
            })
            .collect();

        let sorted: Vec<&Deployment> = sorted.into_iter().map(|(_, d)| d).collect();
        let index = Index::new(&sorted);
        let mut warnings = Vec::new();
        let mut opened = Vec::new();
        for incident in incidents.iter().filter(|i| i.opened_at < now) {
            let (cause, warning) = cause_of(&index, incident);
            warnings.extend(warning.map(|w| (incident.opened_at, w)));
            if let Some(i) = cause {
                shipped[i].has_incident = true;
                shipped[i].failed = true;
            }
            let resolved = incident.resolved_at.filter(|r| *r < now);
            if let Some(r) = resolved {
                if let Some(i) = index.fix(incident.opened_at, r) {
                    shipped[i].fixes_incident = true;
                }
                if r < incident.opened_at {
                    warnings.push((
                        incident.opened_at,
                        format!(
                            "incident {:?}: resolved_at is before opened_at; restore time \
                             counted as 0",
                            incident.id
                        ),
                    ));
                }
            }
            opened.push(Opened {
                at: incident.opened_at,
                restore_seconds: resolved.map(|r| seconds(r - incident.opened_at).max(0.0)),
                cause,
            });
        }
        opened.sort_by_key(|i| i.at);
        History {
            deployments: shipped,
            incidents: opened,
            warnings,
            failures_from: None,
        }
    }

    /// `--failures-from`: which deployments count as failed, given whether each input
    /// deployment is suspect (by input position; missing means not assessed, not suspect).
    pub fn count_failures(&mut self, suspect: &[bool], from: FailuresFrom) {
        self.failures_from = Some(from);
        for d in &mut self.deployments {
            let suspect = suspect.get(d.input).copied().unwrap_or(false);
            d.failed = match from {
                FailuresFrom::Incidents => d.has_incident,
                FailuresFrom::Slo => suspect,
                FailuresFrom::Both => d.has_incident || suspect,
            };
        }
    }

    /// The deployments in `window`.
    pub fn deployments_in(&self, window: Window) -> &[Shipped] {
        let lo = self.deployments.partition_point(|d| d.at < window.start);
        let hi = self.deployments.partition_point(|d| d.at < window.end);
        &self.deployments[lo..hi.max(lo)]
    }

    /// The incidents opened in `window`.
    pub fn incidents_in(&self, window: Window) -> &[Opened] {
        let lo = self.incidents.partition_point(|i| i.at < window.start);
        let hi = self.incidents.partition_point(|i| i.at < window.end);
        &self.incidents[lo..hi.max(lo)]
    }
}

/// The deployment `caused_by` names, else the last one before the incident opened; with a
/// warning when `caused_by` was given but named nothing.
fn cause_of(index: &Index, incident: &Incident) -> (Option<usize>, Option<String>) {
    let fallback = || index.last_before(incident.opened_at);
    let Some(name) = incident
        .caused_by
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    else {
        return (fallback(), None);
    };
    match index.resolve(name) {
        Ok(i) => (Some(i), None),
        Err(miss) => {
            let cause = fallback();
            let then = match cause {
                Some(_) => "attributed to the last deployment before it opened",
                None => "attributed to nothing: no deployment precedes it",
            };
            let id = &incident.id;
            let warning = format!("incident {id:?}: caused_by {name:?} {miss}; {then}");
            (cause, Some(warning))
        }
    }
}

fn seconds(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::four_keys::fixtures::{change, change_in, deploy, hotfix, incident, t};

    const NOW: &str = "2026-04-01T00:00:00Z";

    fn history(deployments: &[Deployment], incidents: &[Incident]) -> History {
        History::new(deployments, incidents, &[], t(NOW))
    }

    fn failed(h: &History) -> Vec<bool> {
        h.deployments.iter().map(|d| d.failed).collect()
    }

    #[test]
    fn lead_time_is_deployment_time_minus_commit_time() {
        let h = history(
            &[deploy(
                "d",
                "c2",
                "2026-03-02T12:00:00Z",
                vec![
                    change("c1", "2026-03-01T12:00:00Z"),
                    change("c2", "2026-03-02T11:00:00Z"),
                ],
            )],
            &[],
        );
        assert_eq!(h.deployments[0].lead_times, [86_400.0, 3_600.0]);
    }

    #[test]
    fn a_commit_dated_after_its_deployment_has_zero_lead_time() {
        let h = history(
            &[deploy(
                "d",
                "c",
                "2026-03-02T12:00:00Z",
                vec![change("c", "2026-03-02T12:05:00Z")],
            )],
            &[],
        );
        assert_eq!(h.deployments[0].lead_times, [0.0]);
    }

    #[test]
    fn a_commit_listed_twice_counts_at_its_first_deployment_only() {
        let h = history(
            &[
                deploy(
                    "late",
                    "c",
                    "2026-03-03T00:00:00Z",
                    vec![change("c", "2026-03-01T00:00:00Z")],
                ),
                deploy(
                    "early",
                    "c",
                    "2026-03-02T00:00:00Z",
                    vec![change("c", "2026-03-01T00:00:00Z")],
                ),
            ],
            &[],
        );
        assert_eq!(h.deployments[0].lead_times, [86_400.0]);
        assert!(h.deployments[1].lead_times.is_empty());
    }

    #[test]
    fn a_commit_counts_once_at_its_first_deployment_however_far_back() {
        // A release two years ago shipped c; a rollback, then a deployment that lists c again
        // (an adapter comparing with the rollback) ship nothing new.
        let h = history(
            &[
                deploy(
                    "v1",
                    "c",
                    "2024-03-01T00:00:00Z",
                    vec![change("c", "2024-02-28T00:00:00Z")],
                ),
                deploy("rollback", "b", "2026-03-01T00:00:00Z", vec![]),
                deploy(
                    "v2",
                    "d",
                    "2026-03-02T00:00:00Z",
                    vec![
                        change("c", "2024-02-28T00:00:00Z"),
                        change("d", "2026-03-01T12:00:00Z"),
                    ],
                ),
            ],
            &[],
        );
        assert_eq!(h.deployments[2].lead_times, [43_200.0], "d only");
    }

    #[test]
    fn the_path_filter_drops_changes_but_keeps_the_deployment() {
        let ds = [deploy(
            "d",
            "b",
            "2026-03-02T00:00:00Z",
            vec![
                change_in("a", "2026-03-01T00:00:00Z", &["services/web/app.ts"]),
                change_in("b", "2026-03-01T12:00:00Z", &["services/api/main.rs"]),
            ],
        )];
        let h = History::new(&ds, &[], &["services/api".into()], t(NOW));
        assert_eq!(h.deployments[0].lead_times, [43_200.0]);
        let h = History::new(&ds, &[], &["services/db".into()], t(NOW));
        assert_eq!(h.deployments.len(), 1, "still a deployment");
        assert!(h.deployments[0].lead_times.is_empty());
    }

    #[test]
    fn attribution_by_tag_sha_and_short_sha() {
        let ds = [
            deploy(
                "deploy/1",
                "1111111aaaa",
                "2026-03-02T00:00:00Z",
                vec![change("1111111aaaa", "2026-03-01T00:00:00Z")],
            ),
            deploy(
                "deploy/2",
                "2222222bbbb",
                "2026-03-03T00:00:00Z",
                vec![change("2222222bbbb", "2026-03-02T00:00:00Z")],
            ),
            deploy(
                "deploy/3",
                "3333333cccc",
                "2026-03-04T00:00:00Z",
                vec![change("3333333cccc", "2026-03-03T00:00:00Z")],
            ),
            deploy("deploy/4", "4444444dddd", "2026-03-05T00:00:00Z", vec![]),
        ];
        let at = "2026-03-10T00:00:00Z";
        let by_tag = history(&ds, &[incident("i", at, None, Some("deploy/1"))]);
        assert_eq!(failed(&by_tag), [true, false, false, false]);
        let by_sha = history(&ds, &[incident("i", at, None, Some("2222222bbbb"))]);
        assert_eq!(failed(&by_sha), [false, true, false, false]);
        let by_short = history(&ds, &[incident("i", at, None, Some("3333333"))]);
        assert_eq!(failed(&by_short), [false, false, true, false]);
        assert!(by_tag.warnings.is_empty() && by_short.warnings.is_empty());
    }

    #[test]
    fn without_caused_by_an_incident_belongs_to_the_last_deployment_before_it_opened() {
        let ds = [
            deploy("a", "a", "2026-03-02T00:00:00Z", vec![]),
            deploy("b", "b", "2026-03-03T00:00:00Z", vec![]),
        ];
        let h = history(&ds, &[incident("i", "2026-03-02T23:59:59Z", None, None)]);
        assert_eq!(failed(&h), [true, false]);
        let blank = history(
            &ds,
            &[incident("i", "2026-03-03T00:00:01Z", None, Some("  "))],
        );
        assert_eq!(failed(&blank), [false, true], "blank caused_by is none");
        assert!(blank.warnings.is_empty());
    }

    #[test]
    fn an_unknown_caused_by_falls_back_and_warns() {
        let ds = [deploy("a", "a", "2026-03-02T00:00:00Z", vec![])];
        let h = history(
            &ds,
            &[incident(
                "INC-7",
                "2026-03-05T00:00:00Z",
                None,
                Some("deploy/zz"),
            )],
        );
        assert_eq!(failed(&h), [true]);
        assert_eq!(
            h.warnings,
            [(
                t("2026-03-05T00:00:00Z"),
                "incident \"INC-7\": caused_by \"deploy/zz\" names no deployment or shipped \
                 commit; attributed to the last deployment before it opened"
                    .to_string()
            )]
        );
    }

    #[test]
    fn an_incident_before_any_deployment_belongs_to_nothing() {
        let ds = [deploy("a", "a", "2026-03-02T00:00:00Z", vec![])];
        let h = history(
            &ds,
            &[incident(
                "i",
                "2026-03-01T00:00:00Z",
                Some("2026-03-01T02:00:00Z"),
                None,
            )],
        );
        assert_eq!(failed(&h), [false]);
        assert_eq!(h.incidents[0].cause, None);
        assert_eq!(h.incidents[0].restore_seconds, Some(7_200.0));
    }

    #[test]
    fn an_unknown_caused_by_before_any_deployment_is_attributed_to_nothing() {
        let h = history(
            &[],
            &[incident(
                "i",
                "2026-03-01T00:00:00Z",
                None,
                Some("deploy/0"),
            )],
        );
        assert_eq!(h.incidents[0].cause, None);
        assert!(h.warnings[0]
            .1
            .ends_with("; attributed to nothing: no deployment precedes it"));
    }

    #[test]
    fn an_unresolved_incident_still_marks_its_deployment_failed() {
        let ds = [deploy("a", "a", "2026-03-02T00:00:00Z", vec![])];
        let h = history(&ds, &[incident("i", "2026-03-03T00:00:00Z", None, None)]);
        assert_eq!(failed(&h), [true]);
        assert_eq!(h.incidents[0].restore_seconds, None);
    }

    #[test]
    fn nothing_at_or_after_now_exists_yet() {
        let ds = [
            deploy("a", "a", "2026-03-31T00:00:00Z", vec![]),
            deploy("b", "b", NOW, vec![]),
        ];
        let h = history(
            &ds,
            &[
                incident("late", NOW, None, Some("a")),
                incident("open", "2026-03-31T01:00:00Z", Some(NOW), None),
            ],
        );
        assert_eq!(h.deployments.len(), 1);
        assert_eq!(h.incidents.len(), 1);
        assert_eq!(h.incidents[0].restore_seconds, None, "resolved only at now");
    }

    #[test]
    fn two_deployments_in_the_same_instant_keep_input_order() {
        let ds = [
            deploy(
                "api",
                "x",
                "2026-03-02T00:00:00Z",
                vec![change("x", "2026-03-01T00:00:00Z")],
            ),
            deploy("web", "x", "2026-03-02T00:00:00Z", vec![]),
        ];
        let h = history(&ds, &[incident("i", "2026-03-03T00:00:00Z", None, None)]);
        assert_eq!(
            failed(&h),
            [false, true],
            "the later in input order is the last"
        );
        assert_eq!(h.deployments[0].lead_times, [86_400.0]);
        let by_sha = history(
            &ds,
            &[incident("i", "2026-03-03T00:00:00Z", None, Some("xxxxxxx"))],
        );
        assert_eq!(
            failed(&by_sha),
            [false, true],
            "not hex: unknown, falls back"
        );
    }

    #[test]
    fn failures_come_from_incidents_slos_or_both() {
        let ds = [
            deploy("a", "a", "2026-03-01T00:00:00Z", vec![]),
            deploy("b", "b", "2026-03-02T00:00:00Z", vec![]),
            deploy("c", "c", "2026-03-03T00:00:00Z", vec![]),
        ];
        let is = [incident("1", "2026-03-01T01:00:00Z", None, Some("a"))];
        // Input order differs from time order: suspects are by input position.
        let shuffled = [ds[2].clone(), ds[0].clone(), ds[1].clone()];
        let suspect = [false, false, true]; // b
        let mut h = history(&shuffled, &is);
        assert_eq!(failed(&h), [true, false, false], "incidents by default");
        h.count_failures(&suspect, FailuresFrom::Slo);
        assert_eq!(failed(&h), [false, true, false]);
        h.count_failures(&suspect, FailuresFrom::Both);
        assert_eq!(failed(&h), [true, true, false]);
        h.count_failures(&suspect, FailuresFrom::Incidents);
        assert_eq!(failed(&h), [true, false, false]);
    }

    #[test]
    fn rework_is_a_hotfix_or_the_deployment_that_resolves_an_incident() {
        let ds = [
            deploy("a", "a", "2026-03-02T00:00:00Z", vec![]),
            deploy("fix", "b", "2026-03-02T03:00:00Z", vec![]),
            hotfix("hot", "c", "2026-03-03T00:00:00Z", vec![]),
            deploy("after", "d", "2026-03-04T00:00:00Z", vec![]),
        ];
        let h = history(
            &ds,
            &[
                incident(
                    "i",
                    "2026-03-02T01:00:00Z",
                    Some("2026-03-02T04:00:00Z"),
                    None,
                ),
                incident("open", "2026-03-03T12:00:00Z", None, None),
            ],
        );
        let fixes: Vec<_> = h.deployments.iter().map(|d| d.fixes_incident).collect();
        assert_eq!(fixes, [false, true, false, false], "unresolved: no fix yet");
        let hot: Vec<_> = h.deployments.iter().map(|d| d.hotfix).collect();
        assert_eq!(hot, [false, false, true, false]);
    }

    #[test]
    fn reversed_incident_times_restore_in_zero_and_warn() {
        let h = history(
            &[],
            &[incident(
                "bad",
                "2026-03-02T00:00:00Z",
                Some("2026-03-01T00:00:00Z"),
                None,
            )],
        );
        assert_eq!(h.incidents[0].restore_seconds, Some(0.0));
        assert_eq!(h.warnings.len(), 1);
        assert!(h.warnings[0]
            .1
            .contains("\"bad\": resolved_at is before opened_at"));
    }
}
