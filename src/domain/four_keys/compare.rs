//! The change versus the previous window, per metric, on each metric's headline figure:
//! `per_week`, the lead-time median, the failure ratio, the restore median, the rework ratio.
//!
//! `delta` is current − previous in the figure's own unit (deployments per week, seconds, or
//! a ratio: −0.05 is five percentage points better); `relative` is delta / previous, `null`
//! when previous is 0. Both windows have equal length, so per_week compares counts fairly.

use serde::Serialize;

use super::metrics::WindowMetrics;

/// Whether the figure moved the good way: more deployments, and less of everything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Better,
    Worse,
    Same,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MetricChange {
    pub previous: Option<f64>,
    pub current: Option<f64>,
    /// current − previous; `null` when either is.
    pub delta: Option<f64>,
    /// delta / previous; `null` when previous is 0 or `null`.
    pub relative: Option<f64>,
    /// `null` when delta is.
    pub direction: Option<Direction>,
}

impl MetricChange {
    /// `higher_is_better` is true only for deployment frequency.
    pub fn new(previous: Option<f64>, current: Option<f64>, higher_is_better: bool) -> Self {
        let delta = previous.zip(current).map(|(p, c)| c - p);
        let relative = previous
            .zip(delta)
            .filter(|(p, _)| *p != 0.0)
            .map(|(p, d)| d / p);
        let direction = delta.map(|d| {
            if d == 0.0 {
                Direction::Same
            } else if (d > 0.0) == higher_is_better {
                Direction::Better
            } else {
                Direction::Worse
            }
        });
        MetricChange {
            previous,
            current,
            delta,
            relative,
            direction,
        }
    }
}

/// The `change_vs_previous` block.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub deployment_frequency: MetricChange,
    pub lead_time_for_changes: MetricChange,
    pub change_failure_rate: MetricChange,
    pub time_to_restore: MetricChange,
    pub deployment_rework_rate: MetricChange,
}

impl Comparison {
    pub fn new(previous: &WindowMetrics, current: &WindowMetrics) -> Comparison {
        let lower = |p, c| MetricChange::new(p, c, false);
        Comparison {
            deployment_frequency: MetricChange::new(
                Some(previous.deployment_frequency.per_week),
                Some(current.deployment_frequency.per_week),
                true,
            ),
            lead_time_for_changes: lower(
                previous.lead_time_for_changes.median_seconds,
                current.lead_time_for_changes.median_seconds,
            ),
            change_failure_rate: lower(
                previous.change_failure_rate.ratio,
                current.change_failure_rate.ratio,
            ),
            time_to_restore: lower(
                previous.time_to_restore.median_seconds,
                current.time_to_restore.median_seconds,
            ),
            deployment_rework_rate: lower(
                previous.deployment_rework_rate.ratio,
                current.deployment_rework_rate.ratio,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_deployments_is_better() {
        let c = MetricChange::new(Some(2.0), Some(3.0), true);
        assert_eq!(c.delta, Some(1.0));
        assert_eq!(c.relative, Some(0.5));
        assert_eq!(c.direction, Some(Direction::Better));
        assert_eq!(
            MetricChange::new(Some(3.0), Some(2.0), true).direction,
            Some(Direction::Worse)
        );
    }

    #[test]
    fn a_longer_lead_time_or_restore_or_a_higher_ratio_is_worse() {
        let c = MetricChange::new(Some(3_600.0), Some(7_200.0), false);
        assert_eq!(c.delta, Some(3_600.0));
        assert_eq!(c.relative, Some(1.0));
        assert_eq!(c.direction, Some(Direction::Worse));
        assert_eq!(
            MetricChange::new(Some(0.25), Some(0.0), false).direction,
            Some(Direction::Better)
        );
    }

    #[test]
    fn an_unchanged_figure_is_the_same() {
        let c = MetricChange::new(Some(0.0), Some(0.0), true);
        assert_eq!(c.direction, Some(Direction::Same));
        assert_eq!(c.relative, None, "no relative change from zero");
    }

    #[test]
    fn a_missing_side_has_no_delta_or_direction() {
        for c in [
            MetricChange::new(None, Some(1.0), false),
            MetricChange::new(Some(1.0), None, false),
        ] {
            assert_eq!((c.delta, c.relative, c.direction), (None, None, None));
        }
    }
}
