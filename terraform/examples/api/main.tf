# Example root module: autoscaling for the `api` service. The variables' defaults are the users'
# hand-tuned policy; `vitals autoscale tune --emit-terraform terraform.tfvars.json` writes a
# tuned one into this directory, and Terraform reads it by itself (every key it writes is
# declared in variables.tf, so none is ignored).

provider "aws" {
  region = var.region
}

module "api_autoscaling" {
  source = "../../modules/ecs-autoscaling"
  # From another repository, pin a release instead:
  # source = "git::https://github.com/your-org/vitals.git//terraform/modules/ecs-autoscaling?ref=v0.1.0"

  cluster_name         = var.cluster_name
  service_name         = var.service_name
  min_capacity         = var.min_capacity
  max_capacity         = var.max_capacity
  task_startup_seconds = var.task_startup_seconds
  target_tracking      = var.target_tracking
  step_scaling         = var.step_scaling
}

# The ECS service itself lives elsewhere. Wherever it is, let autoscaling own its task count:
#
#   resource "aws_ecs_service" "api" {
#     # ...
#     lifecycle {
#       ignore_changes = [desired_count]
#     }
#   }
#
# Without it, every `terraform apply` resets the count to the service's desired_count and
# undoes the latest scale-out.
