# Every key `vitals autoscale tune --emit-terraform` writes (min_capacity, max_capacity,
# task_startup_seconds, target_tracking, step_scaling) is declared here and passed to the
# module, which validates it. Terraform only warns about an undeclared variable in
# terraform.tfvars.json, so a missing declaration would silently keep the defaults.

variable "region" {
  description = "AWS region of the cluster."
  type        = string
  default     = "ap-northeast-1"
}

variable "cluster_name" {
  description = "ECS cluster of the service."
  type        = string
  default     = "prod"
}

variable "service_name" {
  description = "ECS service to scale."
  type        = string
  default     = "api"
}

variable "min_capacity" {
  description = "Fewest tasks."
  type        = number
  default     = 5
}

variable "max_capacity" {
  description = "Most tasks."
  type        = number
  default     = 50
}

variable "task_startup_seconds" {
  description = "Seconds from a desired-count increase to a serving task (vitals simulates with it; AWS has no such setting)."
  type        = number
  default     = 60
}

variable "target_tracking" {
  description = "Target tracking on average CPU; null for none."
  type = object({
    target_value       = number
    scale_in_cooldown  = number
    scale_out_cooldown = number
  })
  default = {
    target_value       = 60
    scale_in_cooldown  = 60
    scale_out_cooldown = 30
  }
}

variable "step_scaling" {
  description = "Step scaling for spikes; null for none. Step bounds are relative to threshold."
  type = object({
    threshold   = number
    cooldown    = number
    aggregation = optional(string, "Average")
    steps = list(object({
      lower      = number
      upper      = optional(number)
      adjustment = number
    }))
  })
  default = {
    threshold = 70
    cooldown  = 30
    steps = [
      { lower = 0, upper = 10, adjustment = 3 },
      { lower = 10, upper = 20, adjustment = 5 },
      { lower = 20, adjustment = 10 },
    ]
  }
}
