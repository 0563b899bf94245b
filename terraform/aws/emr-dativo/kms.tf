# Customer-managed key for EMR at-rest encryption, the log bucket and the CloudWatch log group.

data "aws_iam_policy_document" "kms" {
  count = var.enable_encryption ? 1 : 0

  # Account administrators manage the key; the cluster roles get usage rights through their IAM policies.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts the cluster's log group, and only that log group.
  statement {
    sid = "CloudWatchLogsForClusterLogGroup"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${data.aws_region.current.name}:${local.account_id}:log-group:/aws/emr/${local.cluster_name}"]
    }
  }
}

resource "aws_kms_key" "dativo" {
  count = var.enable_encryption ? 1 : 0

  description             = "Dativo EMR ${local.cluster_name}: S3, local disk, EBS and log encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms[0].json

  tags = local.common_tags
}

resource "aws_kms_alias" "dativo" {
  count = var.enable_encryption ? 1 : 0

  # Unique per tenant and environment (a fixed alias collides as soon as a second tenant applies the module).
  name          = local.kms_alias_name
  target_key_id = aws_kms_key.dativo[0].key_id
}
