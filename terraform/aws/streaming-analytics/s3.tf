resource "aws_s3_bucket" "firehose_target" {
  bucket = local.bucket_name
  tags   = local.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.firehose_target.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.firehose_target.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "encrypt" {
  bucket = aws_s3_bucket.firehose_target.id
  rule {
    bucket_key_enabled = true
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.use_kms_for_s3 ? "aws:kms" : "AES256"
      kms_master_key_id = var.use_kms_for_s3 ? local.kms_arn : null
    }
  }
}

data "aws_iam_policy_document" "bucket_policy" {
  statement {
    sid       = "FirehoseWrites"
    actions   = local.firehose_s3_actions
    resources = [aws_s3_bucket.firehose_target.arn, "${aws_s3_bucket.firehose_target.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.firehose_role.arn]
    }
  }

  dynamic "statement" {
    for_each = { for kind, principals in { AWS = var.s3_data_consumers.aws, Federated = var.s3_data_consumers.federated } : kind => principals if length(principals) > 0 }
    content {
      sid       = "Consumers${statement.key}"
      actions   = ["s3:GetObject", "s3:ListBucket"]
      resources = [aws_s3_bucket.firehose_target.arn, "${aws_s3_bucket.firehose_target.arn}/*"]
      principals {
        type        = statement.key
        identifiers = statement.value
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.firehose_target.id
  policy = data.aws_iam_policy_document.bucket_policy.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}
