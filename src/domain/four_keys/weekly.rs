//! The weekly trend: each metric's headline figure per ISO week of the window, for
//! sparklines and week-over-week arrows.
//!
//! The first and last weeks are usually cut by the window (`partial`); their figures cover
//! only the part inside it. Weeks are not graded: a level is a judgement over a whole window.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;

use super::history::History;
use super::metrics::WindowMetrics;
use super::window::{iso_weeks, Window};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Week {
    /// ISO 8601 week, e.g. `2026-W01`.
    pub week: String,
    /// Its Monday, in the report's time zone, e.g. `2025-12-29`.
    pub start: NaiveDate,
    /// The window cuts this week short.
    pub partial: bool,
    pub deployments: usize,
    pub lead_time_median_seconds: Option<f64>,
    pub change_failure_ratio: Option<f64>,
    pub time_to_restore_median_seconds: Option<f64>,
    pub rework_ratio: Option<f64>,
    /// The part of the week inside the window.
    #[serde(skip)]
    pub span: Window,
}

/// One [`Week`] per ISO week overlapping `window`, oldest first.
pub fn weekly(history: &History, window: Window, tz: Tz) -> Vec<Week> {
    iso_weeks(window, tz)
        .into_iter()
        .map(|w| {
            let m = WindowMetrics::over(history, w.span);
            Week {
                week: format!("{:04}-W{:02}", w.iso_year, w.iso_week),
                start: w.monday,
                partial: w.partial,
                deployments: m.deployment_frequency.deployments,
                lead_time_median_seconds: m.lead_time_for_changes.median_seconds,
                change_failure_ratio: m.change_failure_rate.ratio,
                time_to_restore_median_seconds: m.time_to_restore.median_seconds,
                rework_ratio: m.deployment_rework_rate.ratio,
                span: w.span,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::four_keys::fixtures::{change, deploy, incident, t};

    #[test]
    fn weeks_across_the_iso_year_boundary_bucket_each_metric() {
        let now = t("2026-01-07T00:00:00Z");
        let window = Window {
            start: t("2025-12-24T00:00:00Z"),
            end: now,
        };
        let ds = [
            deploy(
                "a",
                "a",
                "2025-12-28T23:59:59Z",
                vec![change("a", "2025-12-28T22:59:59Z")],
            ),
            deploy(
                "b",
                "b",
                "2025-12-29T00:00:00Z",
                vec![change("b", "2025-12-28T00:00:00Z")],
            ),
            deploy("c", "c", "2026-01-02T00:00:00Z", vec![]),
        ];
        let is = [incident(
            "1",
            "2026-01-01T00:00:00Z",
            Some("2026-01-01T00:10:00Z"),
            None,
        )];
        let history = History::new(&ds, &is, &[], now);
        let weeks = weekly(&history, window, chrono_tz::UTC);
        let json = serde_json::to_value(&weeks).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"week": "2025-W52", "start": "2025-12-22", "partial": true, "deployments": 1,
                 "lead_time_median_seconds": 3600.0, "change_failure_ratio": 0.0,
                 "time_to_restore_median_seconds": null, "rework_ratio": 0.0},
                {"week": "2026-W01", "start": "2025-12-29", "partial": false, "deployments": 2,
                 "lead_time_median_seconds": 86400.0, "change_failure_ratio": 0.5,
                 "time_to_restore_median_seconds": 600.0, "rework_ratio": 0.0},
                {"week": "2026-W02", "start": "2026-01-05", "partial": true, "deployments": 0,
                 "lead_time_median_seconds": null, "change_failure_ratio": null,
                 "time_to_restore_median_seconds": null, "rework_ratio": null}
            ])
        );
    }
}
