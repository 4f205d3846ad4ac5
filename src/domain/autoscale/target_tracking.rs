//! Target tracking on CPU: the two alarms Application Auto Scaling creates for the policy, and
//! the proportional capacity it asks for when one of them is in `ALARM`.
//!
//! The alarms' shape is not in AWS's documentation; it is what AAS creates for an ECS service
//! (the `…-AlarmHigh` and `…-AlarmLow` alarms, see issue 6 and aws/containers-roadmap#638):
//! scale-out when the metric is above the target for [`HIGH_ALARM_DATAPOINTS`] of as many
//! one-minute datapoints, scale-in when it is below [`LOW_ALARM_RATIO`] × target for
//! [`LOW_ALARM_DATAPOINTS`] of as many. AWS only says scale-in waits for utilization "far
//! enough below the target value (usually more than 10% lower)" ("How target tracking scaling
//! for Application Auto Scaling works",
//! <https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html>),
//! so these are the defaults of named simulation parameters, not facts.

use super::cooldown::{self, ScaleOutCooldown};
use super::policy::TargetTracking;

/// Datapoints of `AlarmHigh` (metric > target), out of as many one-minute periods.
pub const HIGH_ALARM_DATAPOINTS: usize = 3;
/// Datapoints of `AlarmLow` (metric < ratio × target), out of as many one-minute periods.
pub const LOW_ALARM_DATAPOINTS: usize = 15;
/// `AlarmLow`'s threshold as a fraction of the target value.
pub const LOW_ALARM_RATIO: f64 = 0.9;

/// Relative slack when rounding a capacity up: `10 × 66 / 60` is `11.000000000000002` in binary
/// floats, and must ask for 11 tasks, not 12.
const ROUNDING_SLACK: f64 = 1e-9;

/// `AlarmHigh` breaches: greater than the target (not equal).
pub fn above_target(datapoint: f64, target: f64) -> bool {
    datapoint > target
}

/// `AlarmLow` breaches: less than `ratio` × target (not equal).
pub fn below_low_threshold(datapoint: f64, target: f64, ratio: f64) -> bool {
    datapoint < ratio * target
}

/// The capacity that brings `metric` to `target`, had it been measured on `capacity` tasks:
/// ⌈capacity × metric / target⌉. Rounding up is AWS's conservative rounding both ways: "Service
/// Auto Scaling always acts conservatively by rounding up or down when it determines how much
/// capacity to add or remove" — up adds enough, and up removes less ("Use a target metric to
/// scale Amazon ECS services",
/// <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html>).
pub fn proportional_capacity(capacity: u32, metric: f64, target: f64) -> u32 {
    let exact = f64::from(capacity) * metric / target;
    let nearest = exact.round();
    let rounded = if (exact - nearest).abs() <= ROUNDING_SLACK * exact.abs().max(1.0) {
        nearest
    } else {
        exact.ceil()
    };
    rounded.max(0.0) as u32 // `as` saturates at u32::MAX
}

/// The capacity this policy asks for while `AlarmHigh` is in `ALARM`, if more than `current`.
/// `metric` is the newest datapoint. During the scale-out cooldown the request counts from the
/// capacity before the scale-out that started it ([`cooldown`]), so only a larger scale-out goes
/// through.
pub fn scale_out(
    policy: &TargetTracking,
    metric: f64,
    current: u32,
    cooldown: Option<ScaleOutCooldown>,
    now: usize,
) -> Option<u32> {
    let base = cooldown::scale_out_base(cooldown, policy.scale_out_cooldown, now, current);
    let want = proportional_capacity(base, metric, policy.target_value);
    (want > current).then_some(want)
}

/// The capacity this policy asks for while `AlarmLow` is in `ALARM`, if less than `current`
/// and not blocked by the scale-in cooldown that started at `last_scale_in`.
pub fn scale_in(
    policy: &TargetTracking,
    metric: f64,
    current: u32,
    last_scale_in: Option<usize>,
    now: usize,
) -> Option<u32> {
    if cooldown::blocks_scale_in(last_scale_in, policy.scale_in_cooldown, now) {
        return None;
    }
    let want = proportional_capacity(current, metric, policy.target_value);
    (want < current).then_some(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(target: f64, scale_in_cooldown: u32, scale_out_cooldown: u32) -> TargetTracking {
        TargetTracking {
            target_value: target,
            scale_in_cooldown,
            scale_out_cooldown,
        }
    }

    #[test]
    fn desired_is_current_times_metric_over_target_rounded_up() {
        assert_eq!(proportional_capacity(10, 90.0, 60.0), 15);
        assert_eq!(proportional_capacity(10, 61.0, 60.0), 11, "10.17 → 11");
        assert_eq!(proportional_capacity(10, 66.0, 60.0), 11, "exactly 11");
        assert_eq!(proportional_capacity(10, 30.0, 60.0), 5);
        assert_eq!(
            proportional_capacity(5, 50.0, 60.0),
            5,
            "4.17 → 5: removes less"
        );
        assert_eq!(proportional_capacity(5, 0.0, 60.0), 0);
    }

    #[test]
    fn the_high_alarm_breaches_above_the_target_only() {
        assert!(above_target(60.1, 60.0));
        assert!(!above_target(60.0, 60.0));
    }

    #[test]
    fn the_low_alarm_breaches_below_90_percent_of_the_target() {
        assert!(below_low_threshold(53.9, 60.0, LOW_ALARM_RATIO));
        assert!(!below_low_threshold(54.0, 60.0, LOW_ALARM_RATIO));
        assert!(!below_low_threshold(45.0, 50.0, LOW_ALARM_RATIO));
        assert!(below_low_threshold(44.9, 50.0, LOW_ALARM_RATIO));
    }

    #[test]
    fn scale_out_asks_for_the_proportional_capacity() {
        let p = policy(50.0, 0, 0);
        assert_eq!(scale_out(&p, 80.0, 10, None, 0), Some(16));
        assert_eq!(scale_out(&p, 50.5, 10, None, 0), Some(11));
    }

    #[test]
    fn a_scale_out_cooldown_lets_only_a_larger_scale_out_through() {
        let p = policy(50.0, 0, 600);
        let c = Some(ScaleOutCooldown {
            started: 3,
            base: 10,
        });
        assert_eq!(
            scale_out(&p, 60.0, 12, c, 4),
            None,
            "the same 10 → 12 again"
        );
        assert_eq!(scale_out(&p, 80.0, 12, c, 4), Some(16), "larger: 10 → 16");
        assert_eq!(
            scale_out(&p, 60.0, 12, c, 13),
            Some(15),
            "after the cooldown: 12 → 15"
        );
    }

    #[test]
    fn scale_in_is_blocked_during_the_scale_in_cooldown() {
        let p = policy(50.0, 300, 0);
        assert_eq!(scale_in(&p, 10.0, 4, Some(15), 19), None);
        assert_eq!(scale_in(&p, 10.0, 4, Some(15), 20), Some(1));
        assert_eq!(scale_in(&p, 44.0, 5, None, 0), None, "4.4 rounds up to 5");
    }
}
