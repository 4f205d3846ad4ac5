output "target_tracking_policy_arn" {
  value = module.api_autoscaling.target_tracking_policy_arn
}

output "step_scaling_policy_arn" {
  value = module.api_autoscaling.step_scaling_policy_arn
}

output "step_scaling_alarm_name" {
  value = module.api_autoscaling.step_scaling_alarm_name
}
