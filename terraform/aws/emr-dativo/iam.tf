# IAM: the EMR service role, the EC2 instance role/profile of the nodes and (with auto-scaling) the
# auto-scaling role. Every role trusts its service for this account only; data access is scoped to the data
# bucket, the log bucket, the cluster's log group and the module's KMS key.

locals {
  data_bucket_arn = "arn:${local.partition}:s3:::${var.s3_bucket}"
  log_group_arn   = "arn:${local.partition}:logs:${data.aws_region.current.name}:${local.account_id}:log-group:/aws/emr/${local.cluster_name}"
  cluster_arns    = "arn:${local.partition}:elasticmapreduce:${data.aws_region.current.name}:${local.account_id}:cluster/*"
}

# ---------------------------------------------------------------------------------------------------------
# Service role (used by EMR to provision the cluster)
# ---------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "emr_service_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["elasticmapreduce.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "emr_service" {
  name               = "${local.cluster_name}-emr-service"
  description        = "EMR service role of ${local.cluster_name}"
  assume_role_policy = data.aws_iam_policy_document.emr_service_assume.json

  tags = local.common_tags
}

# The scoped v2 policy (replaces the deprecated AmazonElasticMapReduceRole): EMR may only use subnets and
# security groups tagged for-use-with-amazon-emr-managed-policies=true.
resource "aws_iam_role_policy_attachment" "emr_service" {
  role       = aws_iam_role.emr_service.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
}

data "aws_iam_policy_document" "emr_service" {
  statement {
    sid       = "PassInstanceRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.emr_ec2.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_autoscaling ? [1] : []

    content {
      sid       = "PassAutoScalingRole"
      actions   = ["iam:PassRole"]
      resources = [aws_iam_role.emr_autoscaling[0].arn]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["application-autoscaling.amazonaws.com"]
      }
    }
  }

  # EBS volumes of the nodes are encrypted with the module's key (local disk encryption).
  dynamic "statement" {
    for_each = var.enable_encryption ? [1] : []

    content {
      sid       = "EncryptNodeVolumes"
      actions   = ["kms:DescribeKey", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext"]
      resources = [local.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = var.enable_encryption ? [1] : []

    content {
      sid       = "GrantVolumeEncryptionToEbs"
      actions   = ["kms:CreateGrant"]
      resources = [local.kms_key_arn]

      condition {
        test     = "Bool"
        variable = "kms:GrantIsForAWSResource"
        values   = ["true"]
      }
    }
  }
}

resource "aws_iam_role_policy" "emr_service" {
  name   = "dativo-emr-service"
  role   = aws_iam_role.emr_service.id
  policy = data.aws_iam_policy_document.emr_service.json
}

# ---------------------------------------------------------------------------------------------------------
# EC2 instance role and profile (used by the cluster nodes: Spark, EMRFS, log pushing)
# ---------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "emr_ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "emr_ec2" {
  name               = "${local.cluster_name}-emr-ec2"
  description        = "Instance role of the ${local.cluster_name} EMR nodes"
  assume_role_policy = data.aws_iam_policy_document.emr_ec2_assume.json

  tags = local.common_tags
}

data "aws_iam_policy_document" "emr_ec2" {
  statement {
    sid       = "ListDataAndLogBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
    resources = [local.data_bucket_arn, aws_s3_bucket.emr_logs.arn]
  }

  statement {
    sid = "ReadWriteDataLake"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = ["${local.data_bucket_arn}/*"]
  }

  statement {
    sid       = "WriteClusterLogs"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${aws_s3_bucket.emr_logs.arn}/*"]
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [local.log_group_arn, "${local.log_group_arn}:log-stream:*"]
  }

  statement {
    sid       = "CloudWatchMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource-level permissions
  }

  statement {
    sid = "DescribeOwnCluster"
    actions = [
      "elasticmapreduce:DescribeCluster",
      "elasticmapreduce:ListBootstrapActions",
      "elasticmapreduce:ListInstanceGroups",
      "elasticmapreduce:ListInstances",
      "elasticmapreduce:ListSteps",
    ]
    resources = [local.cluster_arns]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/DativoTenant"
      values   = [var.tenant_id]
    }
  }

  statement {
    sid       = "DescribeEc2"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeTags"]
    resources = ["*"] # Describe* calls have no resource-level permissions
  }

  dynamic "statement" {
    for_each = var.enable_encryption ? [1] : []

    content {
      sid       = "UseClusterKey"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
      resources = [local.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = local.in_transit_encryption ? [1] : []

    content {
      sid       = "ReadTlsCertificates"
      actions   = ["s3:GetObject"]
      resources = [local.tls_certificates_object_arn]
    }
  }
}

resource "aws_iam_role_policy" "emr_ec2" {
  name   = "dativo-emr-nodes"
  role   = aws_iam_role.emr_ec2.id
  policy = data.aws_iam_policy_document.emr_ec2.json
}

resource "aws_iam_instance_profile" "emr_ec2" {
  name = "${local.cluster_name}-emr-ec2"
  role = aws_iam_role.emr_ec2.name

  tags = local.common_tags
}

# ---------------------------------------------------------------------------------------------------------
# Auto-scaling role (only with enable_autoscaling)
# ---------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "emr_autoscaling_assume" {
  count = var.enable_autoscaling ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["elasticmapreduce.amazonaws.com", "application-autoscaling.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "emr_autoscaling" {
  count = var.enable_autoscaling ? 1 : 0

  name               = "${local.cluster_name}-emr-autoscaling"
  description        = "Auto-scaling role of the ${local.cluster_name} EMR core group"
  assume_role_policy = data.aws_iam_policy_document.emr_autoscaling_assume[0].json

  tags = local.common_tags
}

resource "aws_iam_role_policy_attachment" "emr_autoscaling" {
  count = var.enable_autoscaling ? 1 : 0

  role       = aws_iam_role.emr_autoscaling[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonElasticMapReduceforAutoScalingRole"
}
