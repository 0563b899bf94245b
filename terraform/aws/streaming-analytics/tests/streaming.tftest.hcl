# Unit tests of the module against a mocked AWS provider: `terraform test` from the module directory.
# The first four runs are the original module's test runs, now with assertions; the others pin each defect fixed.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  project_name   = "example"
  log_group_name = "example-logs"
  kinesis_data_producers = {
    aws = ["arn:aws:iam::123456789012:role/producer"]
  }
  s3_data_consumers = {
    federated = ["arn:aws:iam::123456789012:saml-provider/okta"]
  }
}

run "basic_plan_succeeds" {
  command = apply

  assert {
    condition     = aws_kinesis_stream.affiliate_stream.name == "example-Dev" && aws_kinesis_firehose_delivery_stream.affiliate_firehose.name == "example-Dev" && aws_cloudwatch_log_stream.firehose_logging_stream.name == "example-Dev"
    error_message = "The stream, the delivery stream and the log stream are named <project>-<env>."
  }

  assert {
    condition     = aws_iam_role.firehose_role.name == "example-Dev-firehose" && aws_sns_topic.firehose_alarms.name == "example-Dev-alarms" && aws_cloudwatch_dashboard.this.dashboard_name == "example-Dev-FirehoseMonitoring"
    error_message = "Role, topic and dashboard follow the module's naming."
  }

  assert {
    condition     = can(regex("^example-dev-[0-9a-f]{6}$", aws_s3_bucket.firehose_target.bucket)) && output.target_s3_bucket_name == aws_s3_bucket.firehose_target.bucket
    error_message = "The bucket is lower(<project>-<env>)-<6 characters>."
  }

  assert {
    condition     = aws_kinesis_stream.affiliate_stream.shard_count == null && aws_kinesis_stream.affiliate_stream.encryption_type == "NONE" && aws_kinesis_stream.affiliate_stream.retention_period == 24
    error_message = "ON_DEMAND streams have no shard count; no KMS by default; 24 h retention."
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].compression_format == "GZIP" && aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].buffering_size == 10 && aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].buffering_interval == 400
    error_message = "Defaults: GZIP, 10 MiB, 400 s."
  }

  assert {
    condition     = !aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].enabled && length(aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].processors) == 0
    error_message = "Without processors processing stays off."
  }

  assert {
    condition     = length(data.aws_kms_key.this) == 0 && one(aws_s3_bucket_server_side_encryption_configuration.encrypt.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    error_message = "No KMS lookup without a KMS flag; objects are encrypted with AES256."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.firehose_incoming_records_low_alarm.treat_missing_data == "breaching" && aws_cloudwatch_metric_alarm.firehose_incoming_records_high_alarm.treat_missing_data == "notBreaching"
    error_message = "No traffic must put the low alarm in ALARM (not INSUFFICIENT_DATA) and leave the high alarm OK."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.firehose_incoming_records_low_alarm.ok_actions == toset([aws_sns_topic.firehose_alarms.arn]) && aws_cloudwatch_metric_alarm.firehose_incoming_records_high_alarm.ok_actions == toset([aws_sns_topic.firehose_alarms.arn])
    error_message = "Both alarms notify the topic when they return to OK."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.firehose_incoming_records_low_alarm.comparison_operator == "LessThanThreshold" && aws_cloudwatch_metric_alarm.firehose_incoming_records_low_alarm.threshold == 50 && aws_cloudwatch_metric_alarm.firehose_incoming_records_high_alarm.threshold == 1000 && aws_cloudwatch_metric_alarm.firehose_incoming_records_low_alarm.period == 300
    error_message = "Alarm thresholds and period default to 50 / 1000 records per 300 s."
  }

  assert {
    condition     = output.cloudwatch_dashboard_url == "https://console.aws.amazon.com/cloudwatch/home?region=us-east-2#dashboards/dashboard/example-Dev-FirehoseMonitoring"
    error_message = "The dashboard URL names the region and the dashboard."
  }

  assert {
    condition     = output.affiliate_kinesis_stream_arn == aws_kinesis_stream.affiliate_stream.arn && output.firehose_role_arn == aws_iam_role.firehose_role.arn
    error_message = "Outputs expose the stream and role ARNs."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.firehose_policy.statement : !contains(["InvokeTransformation", "UseKey"], s.sid)])
    error_message = "Without a Lambda and KMS the role gets no invoke or key statement."
  }
}

run "extended_plan_succeeds" {
  command = apply

  variables {
    alarm_high_threshold               = 20000
    alarm_low_threshold                = 5000
    alarm_subscription_email_addresses = ["test@tests.com"]
    buffering_interval                 = 60
    buffering_size                     = 128
    env                                = "Prod"
    retention_period                   = 48
    shard_count                        = 10000
    stream_mode                        = "PROVISIONED"
    kms_key_id                         = "alias/aws/kinesis"
    use_kms_for_kinesis                = true
    use_kms_for_s3                     = true
  }

  assert {
    condition     = aws_kinesis_stream.affiliate_stream.shard_count == 10000 && aws_kinesis_stream.affiliate_stream.encryption_type == "KMS" && aws_kinesis_stream.affiliate_stream.kms_key_id == "alias/aws/kinesis"
    error_message = "PROVISIONED streams get the shard count; use_kms_for_kinesis encrypts with the key."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.encrypt.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.encrypt.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == data.aws_kms_key.this[0].arn
    error_message = "use_kms_for_s3 encrypts objects with the looked-up key."
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.firehose_policy.statement : s if s.sid == "UseKey"]) == 1
    error_message = "Exactly one KMS statement (the original module declared it twice)."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.alarm_subscriptions) == 1 && aws_sns_topic_subscription.alarm_subscriptions["test@tests.com"].protocol == "email"
    error_message = "Each address gets an e-mail subscription."
  }

  assert {
    condition     = aws_kinesis_stream.affiliate_stream.tags["Environment"] == "Prod" && aws_s3_bucket.firehose_target.tags["Environment"] == "Prod"
    error_message = "Resources are tagged with the environment."
  }
}

run "plan_with_data_transform_succeeds" {
  command = apply

  variables {
    data_transformation_lambda_arn = "arn:aws:lambda:us-east-2:123456789012:function:my-function:1"
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].enabled && [for p in aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].processors : p.type] == ["Lambda"]
    error_message = "A Lambda turns processing on with one Lambda processor."
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.firehose_policy.statement : s.sid == "InvokeTransformation" && contains(s.actions, "lambda:InvokeFunction") && contains(s.actions, "lambda:GetFunctionConfiguration") && contains(s.resources, "arn:aws:lambda:us-east-2:123456789012:function:my-function:1")])
    error_message = "The Firehose role may invoke the transformation Lambda."
  }
}

run "plan_with_dynamic_partitioning_succeeds" {
  command = apply

  variables {
    buffering_size              = 64
    enable_dynamic_partitioning = true
    dynamic_partitioning_config = {
      jq_metadata_query = "{customer_id:.customer_id}"
      s3_dynamic_prefix = "data/customer_id=!{partitionKeyFromQuery:customer_id}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
      s3_error_prefix   = "errors/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/!{firehose:error-output-type}/"
    }
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].enabled
    error_message = "A jq query alone must enable processing (the original module's coalesce() left it off)."
  }

  assert {
    condition     = [for p in aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].processors : p.type] == ["MetadataExtraction"] && [for x in aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].processors[0].parameters : x.parameter_value] == ["JQ-1.6", "{customer_id:.customer_id}"]
    error_message = "Inline parsing runs the jq query with JQ-1.6."
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].dynamic_partitioning_configuration[0].enabled && startswith(aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].prefix, "data/customer_id=!{partitionKeyFromQuery:customer_id}/") && endswith(aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].error_output_prefix, "!{firehose:error-output-type}/")
    error_message = "Dynamic partitioning is on with both prefixes."
  }
}

run "deaggregation_alone_enables_processing" {
  command = apply

  variables {
    dynamic_partitioning_config = {
      enable_record_deaggregation = true
    }
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].enabled && [for x in aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].processors[0].parameters : "${x.parameter_name}=${x.parameter_value}"] == ["SubRecordType=JSON"]
    error_message = "De-aggregation alone must enable processing, with SubRecordType JSON and no delimiter."
  }
}

run "delimited_deaggregation_sends_the_delimiter" {
  command = apply

  variables {
    dynamic_partitioning_config = {
      enable_newline_appending    = true
      enable_record_deaggregation = true
      record_deaggregation_config = { type = "DELIMITED", delimiter = "IyMjIw==" }
    }
  }

  assert {
    condition     = toset([for x in aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].processors[0].parameters : "${x.parameter_name}=${x.parameter_value}"]) == toset(["SubRecordType=DELIMITED", "Delimiter=IyMjIw=="])
    error_message = "DELIMITED de-aggregation sends its delimiter (the original compared against a value its validation never let through)."
  }

  assert {
    condition     = [for p in aws_kinesis_firehose_delivery_stream.affiliate_firehose.extended_s3_configuration[0].processing_configuration[0].processors : p.type] == ["RecordDeAggregation", "AppendDelimiterToRecord"]
    error_message = "De-aggregation and newline appending are both declared."
  }
}

run "kms_key_id_without_a_flag_is_not_looked_up" {
  command = apply

  variables {
    kms_key_id = "alias/unused"
  }

  assert {
    condition     = length(data.aws_kms_key.this) == 0 && alltrue([for s in data.aws_iam_policy_document.firehose_policy.statement : s.sid != "UseKey"])
    error_message = "A key id without use_kms_* is neither looked up nor granted (the original indexed a lookup that did not exist)."
  }
}

run "dynamic_partitioning_needs_query_prefix_and_error_prefix" {
  command = plan

  variables {
    buffering_size              = 64
    enable_dynamic_partitioning = true
    dynamic_partitioning_config = {
      jq_metadata_query = "{customer_id:.customer_id}"
      s3_dynamic_prefix = "data/!{partitionKeyFromQuery:customer_id}/"
    }
  }

  expect_failures = [var.dynamic_partitioning_config]
}

run "title_case_delimited_is_refused" {
  command = plan

  variables {
    dynamic_partitioning_config = {
      enable_record_deaggregation = true
      record_deaggregation_config = { type = "Delimited", delimiter = "IyMjIw==" }
    }
  }

  expect_failures = [var.dynamic_partitioning_config]
}

run "delimited_needs_a_delimiter" {
  command = plan

  variables {
    dynamic_partitioning_config = {
      enable_record_deaggregation = true
      record_deaggregation_config = { type = "DELIMITED" }
    }
  }

  expect_failures = [var.dynamic_partitioning_config]
}

run "error_prefix_needs_the_error_output_type" {
  command = plan

  variables {
    dynamic_partitioning_config = {
      s3_dynamic_prefix = "data/!{timestamp:yyyy}/"
      s3_error_prefix   = "errors/"
    }
  }

  expect_failures = [var.dynamic_partitioning_config]
}

run "partition_keys_need_dynamic_partitioning" {
  command = plan

  variables {
    dynamic_partitioning_config = {
      s3_dynamic_prefix = "data/!{partitionKeyFromQuery:customer_id}/"
      s3_error_prefix   = "errors/!{firehose:error-output-type}/"
    }
  }

  expect_failures = [var.dynamic_partitioning_config]
}

run "dynamic_partitioning_needs_64_mib_buffers" {
  command = plan

  variables {
    enable_dynamic_partitioning = true
    dynamic_partitioning_config = {
      jq_metadata_query = "{customer_id:.customer_id}"
      s3_dynamic_prefix = "data/!{partitionKeyFromQuery:customer_id}/"
      s3_error_prefix   = "errors/!{firehose:error-output-type}/"
    }
  }

  expect_failures = [var.buffering_size]
}

run "a_kms_flag_needs_a_key" {
  command = plan

  variables {
    use_kms_for_s3 = true
  }

  expect_failures = [var.kms_key_id]
}

run "producers_are_required" {
  command = plan

  variables {
    kinesis_data_producers = {}
  }

  expect_failures = [var.kinesis_data_producers]
}

run "consumers_are_required" {
  command = plan

  variables {
    s3_data_consumers = { aws = [] }
  }

  expect_failures = [var.s3_data_consumers]
}

run "env_is_dev_test_or_prod" {
  command = plan

  variables {
    env = "Staging"
  }

  expect_failures = [var.env]
}

run "retention_is_24_to_8760_hours" {
  command = plan

  variables {
    retention_period = 12
  }

  expect_failures = [var.retention_period]
}
