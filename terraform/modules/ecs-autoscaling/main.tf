# ECS Service Auto Scaling: a scalable target, an optional target-tracking policy on average
# CPU, and an optional step-scaling policy with its CloudWatch alarm (CPUUtilization Average
# >= threshold for 1 x 60 s), the shape `vitals autoscale` simulates and tunes.

locals {
  resource_id = "service/${var.cluster_name}/${var.service_name}"
}

resource "aws_appautoscaling_target" "service" {
  service_namespace  = "ecs"
  resource_id        = local.resource_id
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
}

resource "aws_appautoscaling_policy" "target_tracking" {
  count = var.target_tracking == null ? 0 : 1

  name               = "${var.service_name}-cpu-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service.service_namespace
  resource_id        = aws_appautoscaling_target.service.resource_id
  scalable_dimension = aws_appautoscaling_target.service.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_tracking.target_value
    scale_in_cooldown  = var.target_tracking.scale_in_cooldown
    scale_out_cooldown = var.target_tracking.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "step_scaling" {
  count = var.step_scaling == null ? 0 : 1

  name               = "${var.service_name}-cpu-step-scaling"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.service.service_namespace
  resource_id        = aws_appautoscaling_target.service.resource_id
  scalable_dimension = aws_appautoscaling_target.service.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.step_scaling.cooldown
    metric_aggregation_type = var.step_scaling.aggregation

    dynamic "step_adjustment" {
      for_each = var.step_scaling.steps
      content {
        metric_interval_lower_bound = step_adjustment.value.lower
        metric_interval_upper_bound = step_adjustment.value.upper
        scaling_adjustment          = step_adjustment.value.adjustment
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "step_scaling" {
  count = var.step_scaling == null ? 0 : 1

  alarm_name          = "${var.service_name}-cpu-high-step-scaling"
  alarm_description   = "Spike scale-out for ${local.resource_id} (managed by Terraform, tuned by vitals)."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  threshold           = var.step_scaling.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_appautoscaling_policy.step_scaling[0].arn]

  dimensions = {
    ClusterName = var.cluster_name
    ServiceName = var.service_name
  }
}
