# Names and lookups shared by the resources. Resources live in files named by concern:
#   kinesis.tf (stream + resource policy), firehose.tf (delivery stream), s3.tf (bucket), iam.tf (Firehose role),
#   cloudwatch.tf (log stream, dashboard, alarms, SNS topic).

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

# Looked up only when a KMS flag is set, so a kms_key_id given without a flag is never dereferenced.
data "aws_kms_key" "this" {
  count  = local.use_kms ? 1 : 0
  key_id = var.kms_key_id
}

locals {
  name    = "${var.project_name}-${var.env}"
  use_kms = var.use_kms_for_kinesis || var.use_kms_for_s3
  kms_arn = local.use_kms ? data.aws_kms_key.this[0].arn : null
  region  = data.aws_region.current.name

  # Six lowercase characters that keep the bucket name unique per account and region, and stable between plans.
  bucket_suffix = substr(sha256("${data.aws_caller_identity.current.account_id}/${local.region}/${local.name}"), 0, 6)
  bucket_name   = "${lower(local.name)}-${local.bucket_suffix}"

  tags = { Environment = var.env }

  dp = var.dynamic_partitioning_config

  # Firehose runs the processors only when processing is enabled, so it is on whenever any processor is declared.
  uses_lambda      = var.data_transformation_lambda_arn != ""
  uses_jq          = var.enable_dynamic_partitioning && local.dp.jq_metadata_query != ""
  processing_on    = local.uses_lambda || local.uses_jq || local.dp.enable_newline_appending || local.dp.enable_record_deaggregation
  delimited_deagg  = local.dp.enable_record_deaggregation && local.dp.record_deaggregation_config.type == "DELIMITED"
  dashboard_name   = "${local.name}-FirehoseMonitoring"
  firehose_metrics = "AWS/Firehose"
}
