# Example root module: the users' hand-tuned policy for the `api` service. Replace the
# variables with the ones `vitals autoscale tune --emit-terraform terraform.tfvars.json` writes.

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "ap-northeast-1"
}

module "api_autoscaling" {
  source = "../../modules/ecs-autoscaling"

  cluster_name = "prod"
  service_name = "api"
  min_capacity = 5
  max_capacity = 50

  target_tracking = {
    target_value       = 60
    scale_in_cooldown  = 60
    scale_out_cooldown = 30
  }

  step_scaling = {
    threshold = 70
    cooldown  = 30
    steps = [
      { lower = 0, upper = 10, adjustment = 3 },
      { lower = 10, upper = 20, adjustment = 5 },
      { lower = 20, adjustment = 10 },
    ]
  }
}
