# Shared names, tags and lookups. Resources live in files named by concern:
#   kms.tf (key + alias), logging.tf (log bucket + CloudWatch log group), network.tf (security groups),
#   iam.tf (service, EC2 and auto-scaling roles), emr.tf (security configuration + cluster).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  cluster_name = "dativo-${var.tenant_id}-${var.environment}"

  # Tags applied to every taggable resource. Later maps win: classification and FinOps tags override the
  # complete set, and the module's own keys always win (ManagedBy is "dativo" in the tfvars, "terraform" here).
  # Deliberately nothing time-based: such a tag would change on every plan.
  merged_tags = merge(
    var.tags,
    var.classification_tags,
    var.finops_tags,
    {
      ManagedBy         = "terraform"
      TerraformModule   = "dativo-emr"
      DativoTenant      = var.tenant_id
      DativoEnvironment = var.environment
    },
  )

  # EMR, EC2 and S3 accept only letters, digits, spaces and _ . : / = + - @ in tag keys and values, while Dativo
  # joins lists with commas (Regulations = "SOX,PCI-DSS"). Lists become "SOX+PCI-DSS"; any other character
  # outside the set becomes "_" (instead of a failed apply).
  tag_invalid_chars = "/[^\\p{L}\\p{Z}\\p{N}_.:/=+@-]/"
  sanitized_tags = {
    for k, v in local.merged_tags :
    replace(k, local.tag_invalid_chars, "_") => replace(replace(v, "/\\s*,\\s*/", "+"), local.tag_invalid_chars, "_")...
  }
  common_tags = { for k, vs in local.sanitized_tags : k => vs[length(vs) - 1] }

  # AmazonEMRServicePolicy_v2 only lets EMR use subnets, security groups and launch templates carrying this tag.
  emr_managed_policy_tag = { "for-use-with-amazon-emr-managed-policies" = "true" }

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  log_bucket_name = "${var.s3_bucket}-emr-logs"
  kms_alias_name  = "${var.kms_key_alias}-${var.tenant_id}-${var.environment}"
  kms_key_arn     = var.enable_encryption ? aws_kms_key.dativo[0].arn : null

  in_transit_encryption = var.enable_encryption && var.in_transit_tls_certificates_s3_uri != null
  # s3://bucket/key.zip -> arn:aws:s3:::bucket/key.zip (the EC2 role may read exactly this object).
  tls_certificates_object_arn = local.in_transit_encryption ? "arn:${local.partition}:s3:::${trimprefix(var.in_transit_tls_certificates_s3_uri, "s3://")}" : null

  extra_security_group_ids = var.security_group_ids == null ? [] : var.security_group_ids
}
