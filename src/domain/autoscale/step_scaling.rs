//! Step scaling: the `CPUUtilization ≥ threshold` alarm, the aggregation of its datapoints, the
//! step whose bounds hold the breach, and the `ChangeInCapacity` it asks for.

use super::cooldown::{self, ScaleOutCooldown};
use super::policy::{Aggregation, Step, StepScaling};

/// The contract's step alarm: `GreaterThanOrEqualToThreshold`.
pub fn breaching(datapoint: f64, threshold: f64) -> bool {
    datapoint >= threshold
}

impl Aggregation {
    /// `MetricAggregationType` over the alarm's datapoints ("The aggregation type for the
    /// CloudWatch metrics. Valid values are Minimum, Maximum, and Average. If the aggregation
    /// type is null, the value is treated as Average", StepScalingPolicyConfiguration,
    /// <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html>).
    /// With the contract's 1 × 60 s alarm there is one datapoint and all three agree.
    pub fn aggregate(self, datapoints: &[f64]) -> f64 {
        let mut it = datapoints.iter().copied();
        let first = it.next().unwrap_or(f64::NAN);
        match self {
            Aggregation::Average => datapoints.iter().sum::<f64>() / datapoints.len().max(1) as f64,
            Aggregation::Minimum => it.fold(first, f64::min),
            Aggregation::Maximum => it.fold(first, f64::max),
        }
    }
}

/// The step holding `breach` (aggregated metric − threshold). Above the threshold "the lower
/// bound is inclusive (the metric must be greater than or equal to the threshold plus the lower
/// bound)" and the upper bound exclusive: "metric is greater than or equal to 50 and less than
/// 60, specify a lower bound of 0 and an upper bound of 10" (StepAdjustment,
/// <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepAdjustment.html>).
pub fn find_step(steps: &[Step], breach: f64) -> Option<&Step> {
    steps
        .iter()
        .find(|s| s.lower <= breach && s.upper.is_none_or(|upper| breach < upper))
}

/// The capacity this policy asks for while its alarm is in `ALARM` over `datapoints` (the
/// alarm's evaluation periods, oldest first), if more than `current`. `ChangeInCapacity` adds
/// the step's adjustment to the current capacity ("A positive value adds to the current
/// capacity", StepAdjustment `ScalingAdjustment`); during the cooldown to the capacity before
/// the scale-out that started it, so "only the difference is added" ([`cooldown`]).
pub fn scale_out(
    policy: &StepScaling,
    datapoints: &[f64],
    current: u32,
    cooldown: Option<ScaleOutCooldown>,
    now: usize,
) -> Option<u32> {
    let value = policy.aggregation.aggregate(datapoints);
    let step = find_step(&policy.steps, value - policy.threshold)?;
    let base = cooldown::scale_out_base(cooldown, policy.cooldown, now, current);
    let want = (i64::from(base) + step.adjustment).clamp(0, i64::from(u32::MAX)) as u32;
    (want > current).then_some(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The issue's spike policy: +3 for [0, 10) above 70, +5 for [10, 20), +10 for [20, ∞).
    fn issue_policy(cooldown: u32) -> StepScaling {
        StepScaling {
            threshold: 70.0,
            cooldown,
            steps: vec![
                Step {
                    lower: 0.0,
                    upper: Some(10.0),
                    adjustment: 3,
                },
                Step {
                    lower: 10.0,
                    upper: Some(20.0),
                    adjustment: 5,
                },
                Step {
                    lower: 20.0,
                    upper: None,
                    adjustment: 10,
                },
            ],
            aggregation: Aggregation::Average,
        }
    }

    #[test]
    fn the_alarm_breaches_at_the_threshold() {
        assert!(breaching(70.0, 70.0));
        assert!(!breaching(69.99, 70.0));
    }

    #[test]
    fn step_bounds_are_lower_inclusive_upper_exclusive() {
        let p = issue_policy(0);
        let adj = |breach: f64| find_step(&p.steps, breach).map(|s| s.adjustment);
        assert_eq!(adj(0.0), Some(3), "at the threshold");
        assert_eq!(adj(9.999), Some(3));
        assert_eq!(adj(10.0), Some(5), "10 is the second step's lower bound");
        assert_eq!(adj(19.999), Some(5));
        assert_eq!(adj(20.0), Some(10));
        assert_eq!(adj(1e9), Some(10), "the last step is unbounded");
        assert_eq!(adj(-0.001), None, "below the threshold");
    }

    #[test]
    fn change_in_capacity_adds_the_steps_adjustment() {
        let p = issue_policy(0);
        assert_eq!(scale_out(&p, &[75.0], 5, None, 0), Some(8));
        assert_eq!(scale_out(&p, &[80.0], 5, None, 0), Some(10));
        assert_eq!(scale_out(&p, &[90.0], 5, None, 0), Some(15));
        assert_eq!(scale_out(&p, &[69.0], 5, None, 0), None);
    }

    #[test]
    fn during_a_step_cooldown_only_the_difference_is_added() {
        let p = issue_policy(300);
        let c = Some(ScaleOutCooldown {
            started: 1,
            base: 5,
        });
        assert_eq!(
            scale_out(&p, &[95.0], 8, c, 2),
            Some(15),
            "+10 over 5, not over 8"
        );
        assert_eq!(
            scale_out(&p, &[75.0], 8, c, 2),
            None,
            "+3 again adds nothing"
        );
        assert_eq!(
            scale_out(&p, &[75.0], 8, c, 6),
            Some(11),
            "after the cooldown"
        );
    }

    #[test]
    fn aggregation_reduces_the_alarms_datapoints() {
        let points = [75.0, 95.0];
        assert_eq!(Aggregation::Average.aggregate(&points), 85.0);
        assert_eq!(Aggregation::Minimum.aggregate(&points), 75.0);
        assert_eq!(Aggregation::Maximum.aggregate(&points), 95.0);
        let mut p = issue_policy(0);
        assert_eq!(scale_out(&p, &points, 5, None, 0), Some(10), "85: +5");
        p.aggregation = Aggregation::Maximum;
        assert_eq!(scale_out(&p, &points, 5, None, 0), Some(15), "95: +10");
        p.aggregation = Aggregation::Minimum;
        assert_eq!(scale_out(&p, &points, 5, None, 0), Some(8), "75: +3");
    }
}
