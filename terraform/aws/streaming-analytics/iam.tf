locals {
  firehose_s3_actions = ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"]
}

data "aws_iam_policy_document" "firehose_assume_role_policy" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "firehose_role" {
  name               = "${local.name}-firehose"
  assume_role_policy = data.aws_iam_policy_document.firehose_assume_role_policy.json
  tags               = local.tags
}

data "aws_iam_policy_document" "firehose_policy" {
  statement {
    sid       = "ReadStream"
    actions   = ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"]
    resources = [aws_kinesis_stream.affiliate_stream.arn]
  }

  statement {
    sid       = "WriteBucket"
    actions   = local.firehose_s3_actions
    resources = [aws_s3_bucket.firehose_target.arn, "${aws_s3_bucket.firehose_target.arn}/*"]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_stream.firehose_logging_stream.arn]
  }

  dynamic "statement" {
    for_each = local.uses_lambda ? [var.data_transformation_lambda_arn] : []
    content {
      sid       = "InvokeTransformation"
      actions   = ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.use_kms ? [local.kms_arn] : []
    content {
      sid       = "UseKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "firehose" {
  name   = "${local.name}-firehose"
  role   = aws_iam_role.firehose_role.id
  policy = data.aws_iam_policy_document.firehose_policy.json
}
