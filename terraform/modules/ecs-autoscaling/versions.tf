terraform {
  # 1.9: validation blocks that refer to other variables (max_capacity >= min_capacity).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The resources used here have the same arguments in provider 5.x and 6.x.
      version = ">= 5.0, < 7.0"
    }
  }
}
