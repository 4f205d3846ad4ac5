# Variables mirror vitals' policy TOML one to one (`vitals autoscale tune --emit-terraform`
# writes them as terraform.tfvars.json). The validations are the Application Auto Scaling API's
# rules (plus vitals' own where a policy would otherwise not do what it simulates), so a bad
# value fails at `plan` with the variable's name instead of at `apply` with an API error.
#
# Conditionals, not `||`: Terraform before 1.12 evaluates both sides of `||`, and reading an
# attribute of a null object is an error.

variable "cluster_name" {
  description = "ECS cluster of the service."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.cluster_name))
    error_message = "cluster_name must be 1 to 255 letters, digits, hyphens or underscores (an ECS cluster name)."
  }
}

variable "service_name" {
  description = "ECS service to scale. The policies and the alarm are named after it."
  type        = string

  validation {
    # The longest name derived from it, "<service>-cpu-high-step-scaling", must fit the
    # 255 characters of a CloudWatch alarm name.
    condition     = can(regex("^[A-Za-z0-9_-]{1,233}$", var.service_name))
    error_message = "service_name must be 1 to 233 letters, digits, hyphens or underscores (an ECS service name short enough for the alarm's name)."
  }
}

variable "min_capacity" {
  description = "Fewest tasks (policy TOML: min_capacity)."
  type        = number

  validation {
    condition     = var.min_capacity >= 0 && var.min_capacity <= 2147483647 && floor(var.min_capacity) == var.min_capacity
    error_message = "min_capacity must be a whole number of tasks, 0 or more."
  }
}

variable "max_capacity" {
  description = "Most tasks (policy TOML: max_capacity)."
  type        = number

  validation {
    condition     = var.max_capacity >= 0 && var.max_capacity <= 2147483647 && floor(var.max_capacity) == var.max_capacity
    error_message = "max_capacity must be a whole number of tasks, at most 2147483647."
  }

  validation {
    condition     = var.max_capacity >= var.min_capacity
    error_message = "max_capacity must be at least min_capacity."
  }
}

variable "task_startup_seconds" {
  description = "Seconds from a desired-count increase to a serving task. vitals simulates with it; AWS does not take it, so the module ignores it."
  type        = number
  default     = 60

  validation {
    condition     = var.task_startup_seconds >= 0
    error_message = "task_startup_seconds must be 0 or more."
  }
}

variable "target_tracking" {
  description = "Target tracking on ECSServiceAverageCPUUtilization (policy TOML: [target_tracking]); null for none."
  type = object({
    target_value       = number
    scale_in_cooldown  = number
    scale_out_cooldown = number
  })
  default = null

  validation {
    condition     = var.target_tracking == null ? true : var.target_tracking.target_value > 0 && var.target_tracking.target_value <= 100
    error_message = "target_tracking.target_value must be a CPU percent above 0 and at most 100."
  }

  validation {
    condition = var.target_tracking == null ? true : alltrue([
      for c in [var.target_tracking.scale_in_cooldown, var.target_tracking.scale_out_cooldown] :
      c >= 0 && floor(c) == c
    ])
    error_message = "target_tracking.scale_in_cooldown and scale_out_cooldown must be whole seconds, 0 or more."
  }
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

  validation {
    condition     = var.step_scaling == null ? true : var.step_scaling.threshold >= 0
    error_message = "step_scaling.threshold must be a CPU percent, 0 or more."
  }

  validation {
    condition     = var.step_scaling == null ? true : var.step_scaling.cooldown >= 0 && floor(var.step_scaling.cooldown) == var.step_scaling.cooldown
    error_message = "step_scaling.cooldown must be whole seconds, 0 or more."
  }

  validation {
    condition     = var.step_scaling == null ? true : contains(["Average", "Minimum", "Maximum"], var.step_scaling.aggregation)
    error_message = "step_scaling.aggregation must be one of Average, Minimum, Maximum."
  }

  validation {
    condition     = var.step_scaling == null ? true : length(var.step_scaling.steps) > 0
    error_message = "step_scaling.steps must have at least one step."
  }

  validation {
    # A step's lower bound is never null here, and AWS accepts a negative lower bound only
    # beside a step whose lower bound is null; the first step starts at the threshold, or a
    # breach just above it matches no step.
    condition = var.step_scaling == null ? true : alltrue([
      for i, s in var.step_scaling.steps : s.lower >= 0 && (i == 0 ? s.lower == 0 : true)
    ])
    error_message = "step_scaling.steps: the first step's lower must be 0 and no lower may be negative (bounds are relative to the threshold)."
  }

  validation {
    condition = var.step_scaling == null ? true : alltrue([
      for s in var.step_scaling.steps : s.upper == null ? true : s.upper > s.lower
    ])
    error_message = "step_scaling.steps: each step's upper must be greater than its lower."
  }

  validation {
    # AWS: step ranges may neither overlap nor leave a gap, and a positive upper bound needs a
    # step with a null upper bound. Sorted and contiguous, that step is the last.
    condition = var.step_scaling == null ? true : alltrue(concat(
      [for i in range(max(length(var.step_scaling.steps) - 1, 0)) :
      var.step_scaling.steps[i].upper == var.step_scaling.steps[i + 1].lower],
      [for s in slice(var.step_scaling.steps, max(length(var.step_scaling.steps) - 1, 0), length(var.step_scaling.steps)) : s.upper == null],
    ))
    error_message = "step_scaling.steps must be sorted and contiguous (each step's lower is the previous step's upper), and only the last step may (and must) have no upper."
  }

  validation {
    condition = var.step_scaling == null ? true : alltrue([
      for s in var.step_scaling.steps : s.adjustment >= 0 && s.adjustment <= 2147483647 && floor(s.adjustment) == s.adjustment
    ])
    error_message = "step_scaling.steps: each adjustment must be a whole number of tasks to add, 0 or more (the alarm fires on high CPU)."
  }
}
