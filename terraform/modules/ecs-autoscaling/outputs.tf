output "scalable_target_resource_id" {
  description = "Application Auto Scaling resource id of the service (service/<cluster>/<service>)."
  value       = aws_appautoscaling_target.service.resource_id
}

output "target_tracking_policy_arn" {
  description = "ARN of the target-tracking policy; null without target_tracking."
  value       = one(aws_appautoscaling_policy.target_tracking[*].arn)
}

output "target_tracking_policy_name" {
  description = "Name of the target-tracking policy (<service>-cpu-target-tracking); null without target_tracking."
  value       = one(aws_appautoscaling_policy.target_tracking[*].name)
}

output "target_tracking_alarm_arns" {
  description = "ARNs of the alarms Application Auto Scaling creates for the target-tracking policy; empty without target_tracking."
  value       = flatten(aws_appautoscaling_policy.target_tracking[*].alarm_arns)
}

output "step_scaling_policy_arn" {
  description = "ARN of the step-scaling policy; null without step_scaling."
  value       = one(aws_appautoscaling_policy.step_scaling[*].arn)
}

output "step_scaling_policy_name" {
  description = "Name of the step-scaling policy (<service>-cpu-step-scaling); null without step_scaling."
  value       = one(aws_appautoscaling_policy.step_scaling[*].name)
}

output "step_scaling_alarm_arn" {
  description = "ARN of the CloudWatch alarm that triggers the step-scaling policy; null without step_scaling."
  value       = one(aws_cloudwatch_metric_alarm.step_scaling[*].arn)
}

output "step_scaling_alarm_name" {
  description = "Name of that alarm (<service>-cpu-high-step-scaling); null without step_scaling."
  value       = one(aws_cloudwatch_metric_alarm.step_scaling[*].alarm_name)
}
