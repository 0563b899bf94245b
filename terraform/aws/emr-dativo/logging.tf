# Log bucket <s3_bucket>-emr-logs (EMR step/daemon logs) and the CloudWatch log group /aws/emr/<cluster_name>.

resource "aws_s3_bucket" "emr_logs" {
  bucket = local.log_bucket_name

  tags = local.common_tags
}

resource "aws_s3_bucket_ownership_controls" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.bucket

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.bucket

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.bucket

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.bucket

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.enable_encryption ? "aws:kms" : "AES256"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = var.enable_encryption
  }
}

data "aws_iam_policy_document" "emr_logs_bucket" {
  # Refuse plain-HTTP access to the logs.
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.emr_logs.arn, "${aws_s3_bucket.emr_logs.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "emr_logs" {
  bucket = aws_s3_bucket.emr_logs.bucket
  policy = data.aws_iam_policy_document.emr_logs_bucket.json

  # S3 rejects policy writes while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.emr_logs]
}

resource "aws_cloudwatch_log_group" "emr" {
  name              = "/aws/emr/${local.cluster_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = local.common_tags
}
