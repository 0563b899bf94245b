resource "aws_kinesis_stream" "affiliate_stream" {
  name             = local.name
  retention_period = var.retention_period
  shard_count      = var.stream_mode == "PROVISIONED" ? var.shard_count : null
  encryption_type  = var.use_kms_for_kinesis ? "KMS" : "NONE"
  kms_key_id       = var.use_kms_for_kinesis ? var.kms_key_id : null

  stream_mode_details {
    stream_mode = var.stream_mode
  }

  tags = local.tags
}

data "aws_iam_policy_document" "stream_policy" {
  dynamic "statement" {
    for_each = { for kind, principals in { AWS = var.kinesis_data_producers.aws, Federated = var.kinesis_data_producers.federated } : kind => principals if length(principals) > 0 }
    content {
      sid       = "Producers${statement.key}"
      actions   = ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"]
      resources = [aws_kinesis_stream.affiliate_stream.arn]
      principals {
        type        = statement.key
        identifiers = statement.value
      }
    }
  }

  statement {
    sid       = "FirehoseReads"
    actions   = ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords"]
    resources = [aws_kinesis_stream.affiliate_stream.arn]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.firehose_role.arn]
    }
  }
}

resource "aws_kinesis_resource_policy" "this" {
  resource_arn = aws_kinesis_stream.affiliate_stream.arn
  policy       = data.aws_iam_policy_document.stream_policy.json
}
