output "scalable_target_resource_id" {
  description = "Application Auto Scaling resource id of the service."
  value       = aws_appautoscaling_target.service.resource_id
}

output "target_tracking_policy_arn" {
  description = "ARN of the target-tracking policy, if any."
  value       = one(aws_appautoscaling_policy.target_tracking[*].arn)
}

output "step_scaling_policy_arn" {
  description = "ARN of the step-scaling policy, if any."
  value       = one(aws_appautoscaling_policy.step_scaling[*].arn)
}
