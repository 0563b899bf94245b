resource "aws_kinesis_firehose_delivery_stream" "affiliate_firehose" {
  name        = local.name
  destination = "extended_s3"

  kinesis_source_configuration {
    kinesis_stream_arn = aws_kinesis_stream.affiliate_stream.arn
    role_arn           = aws_iam_role.firehose_role.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.firehose_role.arn
    bucket_arn          = aws_s3_bucket.firehose_target.arn
    buffering_size      = var.buffering_size
    buffering_interval  = var.buffering_interval
    compression_format  = var.compression_format
    prefix              = local.dp.s3_dynamic_prefix == "" ? null : local.dp.s3_dynamic_prefix
    error_output_prefix = local.dp.s3_error_prefix == "" ? null : local.dp.s3_error_prefix

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = var.log_group_name
      log_stream_name = aws_cloudwatch_log_stream.firehose_logging_stream.name
    }

    dynamic_partitioning_configuration {
      enabled = var.enable_dynamic_partitioning
    }

    processing_configuration {
      enabled = local.processing_on

      # Firehose's order: de-aggregation, Lambda, partition keys, then the delimiter is appended.
      dynamic "processors" {
        for_each = local.dp.enable_record_deaggregation ? [1] : []
        content {
          type = "RecordDeAggregation"
          parameters {
            parameter_name  = "SubRecordType"
            parameter_value = local.dp.record_deaggregation_config.type
          }
          dynamic "parameters" {
            for_each = local.delimited_deagg ? [local.dp.record_deaggregation_config.delimiter] : []
            content {
              parameter_name  = "Delimiter"
              parameter_value = parameters.value
            }
          }
        }
      }

      dynamic "processors" {
        for_each = local.uses_lambda ? [var.data_transformation_lambda_arn] : []
        content {
          type = "Lambda"
          parameters {
            parameter_name  = "LambdaArn"
            parameter_value = processors.value
          }
        }
      }

      dynamic "processors" {
        for_each = local.uses_jq ? [local.dp.jq_metadata_query] : []
        content {
          type = "MetadataExtraction"
          parameters {
            parameter_name  = "JsonParsingEngine"
            parameter_value = "JQ-1.6"
          }
          parameters {
            parameter_name  = "MetadataExtractionQuery"
            parameter_value = processors.value
          }
        }
      }

      dynamic "processors" {
        for_each = local.dp.enable_newline_appending ? [1] : []
        content {
          type = "AppendDelimiterToRecord"
        }
      }
    }
  }

  tags = local.tags
}
