//! Cooldowns: when one is in effect, and what a scale-out during one may add.
//!
//! Application Auto Scaling, for scale-out (both policy types): "While the cooldown period is in
//! effect, capacity added by the initiating scale-out activity is calculated as part of the
//! desired capacity for the next scale-out activity … the previous increase of 2 is considered
//! part of the current capacity. Therefore, only 1 is added", and "the scaling policy won't
//! increase the desired capacity again unless either a larger scale out is triggered or the
//! cooldown period ends" (StepScalingPolicyConfiguration, `Cooldown`,
//! <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html>;
//! TargetTrackingScalingPolicyConfiguration, `ScaleOutCooldown`,
//! <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html>).
//! Here: during a policy's scale-out cooldown its next request counts from the capacity before
//! the scale-out that started the cooldown, so only a larger request adds anything, and only
//! the difference. The cooldown keeps its start and base through such a larger scale-out, so a
//! chain of them adds the largest request once rather than the sum.
//!
//! For scale-in: "the cooldown period is used to block subsequent scale-in requests until it
//! has expired … However, if another alarm triggers a scale-out activity during the scale-in
//! cooldown period, [it] scales out the target immediately. In this case, the scale-in cooldown
//! period stops and doesn't complete" (AWS Auto Scaling plans, TargetTrackingConfiguration
//! `scaleInCooldown`, <https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/autoscalingplans/aws.sdk.kotlin.services.autoscalingplans.model/-target-tracking-configuration/scale-in-cooldown.html>;
//! `ScaleInCooldown` in the TargetTrackingScalingPolicyConfiguration page above says the same:
//! a scale-out during it happens "immediately").

/// Seconds in one simulated minute: alarms evaluate, and policies act, once a minute.
pub const MINUTE_SECONDS: u64 = 60;

/// A scale-out cooldown, started by the scale-out at minute `started` from capacity `base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleOutCooldown {
    pub started: usize,
    pub base: u32,
}

/// A cooldown of `seconds` started at minute `started` is in effect at minute `now` until
/// `seconds` have passed; at that instant it is over (so 60 s never blocks the next minute).
pub fn in_effect(started: usize, now: usize, seconds: u32) -> bool {
    (now.saturating_sub(started) as u64) * MINUTE_SECONDS < u64::from(seconds)
}

/// The capacity a policy's scale-out request counts from at minute `now`.
pub fn scale_out_base(
    cooldown: Option<ScaleOutCooldown>,
    seconds: u32,
    now: usize,
    current: u32,
) -> u32 {
    match cooldown {
        Some(c) if in_effect(c.started, now, seconds) => c.base,
        _ => current,
    }
}

/// The policy's cooldown after it scaled out at minute `now` from capacity `before`: a new one,
/// unless one is still in effect (which keeps its start and base).
pub fn after_scale_out(
    cooldown: Option<ScaleOutCooldown>,
    seconds: u32,
    now: usize,
    before: u32,
) -> ScaleOutCooldown {
    match cooldown {
        Some(c) if in_effect(c.started, now, seconds) => c,
        _ => ScaleOutCooldown {
            started: now,
            base: before,
        },
    }
}

/// Whether a scale-in is blocked at minute `now` by the scale-in cooldown that started at
/// `last_scale_in` (cleared by any scale-out since: it "stops and doesn't complete").
pub fn blocks_scale_in(last_scale_in: Option<usize>, seconds: u32, now: usize) -> bool {
    last_scale_in.is_some_and(|started| in_effect(started, now, seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cooldown_ends_when_its_seconds_have_passed() {
        assert!(in_effect(10, 10, 1));
        assert!(!in_effect(10, 11, 30), "30 s is over by the next minute");
        assert!(!in_effect(10, 11, 60), "60 s is over at the next minute");
        assert!(in_effect(10, 11, 61));
        assert!(in_effect(10, 14, 300) && !in_effect(10, 15, 300));
        assert!(!in_effect(10, 10, 0), "no cooldown");
    }

    #[test]
    fn during_a_scale_out_cooldown_requests_count_from_the_capacity_before_it() {
        let c = Some(ScaleOutCooldown {
            started: 3,
            base: 5,
        });
        assert_eq!(scale_out_base(c, 300, 4, 8), 5);
        assert_eq!(scale_out_base(c, 300, 8, 8), 8, "expired");
        assert_eq!(scale_out_base(None, 300, 4, 8), 8);
    }

    #[test]
    fn a_larger_scale_out_inside_a_cooldown_keeps_its_start_and_base() {
        let first = after_scale_out(None, 300, 3, 5);
        assert_eq!(
            first,
            ScaleOutCooldown {
                started: 3,
                base: 5
            }
        );
        assert_eq!(after_scale_out(Some(first), 300, 4, 8), first);
        assert_eq!(
            after_scale_out(Some(first), 300, 9, 15),
            ScaleOutCooldown {
                started: 9,
                base: 15
            },
            "expired: a new one"
        );
    }

    #[test]
    fn a_scale_in_cooldown_blocks_until_it_expires() {
        assert!(blocks_scale_in(Some(15), 300, 19));
        assert!(!blocks_scale_in(Some(15), 300, 20));
        assert!(!blocks_scale_in(None, 300, 16));
    }
}
