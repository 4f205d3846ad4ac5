# Variables mirror vitals' policy TOML one to one (`vitals autoscale tune --emit-terraform`
# writes them as terraform.tfvars.json).

variable "cluster_name" {
  description = "ECS cluster of the service."
  type        = string
}

variable "service_name" {
  description = "ECS service to scale."
  type        = string
}

variable "min_capacity" {
  description = "Fewest tasks (policy TOML: min_capacity)."
  type        = number
}

variable "max_capacity" {
  description = "Most tasks (policy TOML: max_capacity)."
  type        = number

  validation {
    condition     = var.max_capacity >= var.min_capacity
    error_message = "max_capacity must be at least min_capacity."
  }
}

variable "task_startup_seconds" {
  description = "Seconds from a desired-count increase to a serving task. vitals simulates with it; AWS does not take it, so the module ignores it."
  type        = number
  default     = 60
}

variable "target_tracking" {
  description = "Target tracking on ECSServiceAverageCPUUtilization (policy TOML: [target_tracking]); null for none."
  type = object({
    target_value       = number
    scale_in_cooldown  = number
    scale_out_cooldown = number
  })
  default = null
}

variable "step_scaling" {
  description = "Step scaling for spikes on CPUUtilization (policy TOML: [step_scaling]); null for none. Step bounds are relative to threshold; upper = null is unbounded."
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
  default = null
}
