output "emr_cluster_id" {
  description = "EMR cluster ID (export as EMR_CLUSTER_ID for Dativo jobs)."
  value       = aws_emr_cluster.dativo.id
}

output "emr_cluster_arn" {
  description = "EMR cluster ARN."
  value       = aws_emr_cluster.dativo.arn
}

output "emr_master_public_dns" {
  description = "DNS name of the master node. In private subnets this is the private DNS name (there is no public one)."
  value       = aws_emr_cluster.dativo.master_public_dns
}

output "emr_log_bucket" {
  description = "S3 bucket receiving the cluster logs (<s3_bucket>-emr-logs)."
  value       = aws_s3_bucket.emr_logs.bucket
}

output "applied_tags" {
  description = "Tags applied to every taggable resource (tags + classification_tags + finops_tags + module tags)."
  value       = local.common_tags
}

output "classification_tags" {
  description = "Classification tags as passed in."
  value       = var.classification_tags
}

output "finops_tags" {
  description = "FinOps tags as passed in."
  value       = var.finops_tags
}

output "cluster_name" {
  description = "Name of the cluster (dativo-<tenant_id>-<environment>), also used for the log group and roles."
  value       = local.cluster_name
}

output "kms_key_arn" {
  description = "ARN of the module's KMS key (null with enable_encryption = false). Readers of data the cluster writes need kms:Decrypt on it."
  value       = local.kms_key_arn
}

output "kms_key_alias" {
  description = "Alias of the module's KMS key (null with enable_encryption = false)."
  value       = var.enable_encryption ? aws_kms_alias.dativo[0].name : null
}

output "cloudwatch_log_group" {
  description = "CloudWatch log group of the cluster."
  value       = aws_cloudwatch_log_group.emr.name
}

output "emr_ec2_role_arn" {
  description = "ARN of the nodes' instance role (grant it access to further resources, e.g. a catalog database secret)."
  value       = aws_iam_role.emr_ec2.arn
}
