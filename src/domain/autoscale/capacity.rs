//! One desired count from several policies' requests, inside the scalable target's bounds.

/// The desired count after one evaluation, from `current` and what the policies ask for:
/// `out` holds every scale-out request (capacities above `current`), `target_tracking_in` one
/// entry per target tracking policy — its scale-in request, or `None` if it is not ready to
/// scale in.
///
/// - The largest capacity wins: "Application Auto Scaling gives precedence to the policy that
///   provides the largest capacity for both scale out and scale in" (PutScalingPolicy,
///   <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html>).
/// - Scale-in only when every target tracking policy agrees: the service "will scale out … if
///   any of the target tracking policies are ready for scale out, but will scale in only if all
///   of the target tracking policies (with the scale-in portion turned on) are ready to scale
///   in" ("Use a target metric to scale Amazon ECS services",
///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html>).
/// - Within `[min, max]`: "Application Auto Scaling scaling policies will not scale capacity to
///   values that are outside of the minimum and maximum range" (RegisterScalableTarget,
///   <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html>).
pub fn combine(
    current: u32,
    out: &[u32],
    target_tracking_in: &[Option<u32>],
    min: u32,
    max: u32,
) -> u32 {
    if let Some(&largest) = out.iter().max() {
        return largest.max(current).clamp(min, max);
    }
    let all_ready =
        !target_tracking_in.is_empty() && target_tracking_in.iter().all(Option::is_some);
    match target_tracking_in.iter().flatten().max() {
        Some(&largest) if all_ready => largest.min(current).clamp(min, max),
        _ => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_scale_out_wins() {
        assert_eq!(combine(10, &[13, 20], &[], 1, 100), 20);
        assert_eq!(combine(10, &[13], &[Some(4)], 1, 100), 13, "out beats in");
    }

    #[test]
    fn scale_in_needs_every_target_tracking_policy() {
        assert_eq!(combine(10, &[], &[Some(3), None], 1, 100), 10);
        assert_eq!(
            combine(10, &[], &[Some(3), Some(5)], 1, 100),
            5,
            "largest of them"
        );
        assert_eq!(
            combine(10, &[], &[], 1, 100),
            10,
            "no target tracking, no scale-in"
        );
    }

    #[test]
    fn capacity_is_clamped_to_min_and_max() {
        assert_eq!(combine(10, &[80], &[], 1, 50), 50);
        assert_eq!(combine(10, &[], &[Some(1)], 3, 50), 3);
        assert_eq!(
            combine(50, &[60], &[], 1, 50),
            50,
            "already at max: no change"
        );
    }
}
