terraform {
  # Cross-variable validation blocks need Terraform >= 1.9.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.45, < 6.0"
    }
  }
}
