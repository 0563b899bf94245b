resource "aws_cloudwatch_log_stream" "firehose_logging_stream" {
  name           = local.name
  log_group_name = var.log_group_name
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.dashboard_name
  dashboard_body = jsonencode({
    widgets = [{
      type   = "metric"
      x      = 0
      y      = 0
      width  = 24
      height = 10
      properties = {
        view   = "timeSeries"
        region = local.region
        stat   = "Sum"
        period = var.alarm_period
        title  = "${local.name} delivery"
        metrics = [
          [local.firehose_metrics, "DeliveryToS3.Bytes", "DeliveryStreamName", local.name, { yAxis = "right" }],
          [local.firehose_metrics, "DataReadFromKinesisStream.Records", "DeliveryStreamName", local.name],
        ]
      }
    }]
  })
}

resource "aws_sns_topic" "firehose_alarms" {
  name = "${local.name}-alarms"
  tags = local.tags
}

resource "aws_sns_topic_subscription" "alarm_subscriptions" {
  for_each  = var.alarm_subscription_email_addresses
  topic_arn = aws_sns_topic.firehose_alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# A delivery stream with a Kinesis source counts what it reads in DataReadFromKinesisStream.Records.
resource "aws_cloudwatch_metric_alarm" "firehose_incoming_records_high_alarm" {
  alarm_name          = "${local.name}-high-incoming-records"
  alarm_description   = "More than ${var.alarm_high_threshold} records read by ${local.name} in ${var.alarm_period} s."
  namespace           = local.firehose_metrics
  metric_name         = "DataReadFromKinesisStream.Records"
  dimensions          = { DeliveryStreamName = local.name }
  statistic           = "Sum"
  period              = var.alarm_period
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_high_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.firehose_alarms.arn]
  ok_actions          = [aws_sns_topic.firehose_alarms.arn]
  tags                = local.tags
}

# No datapoint means no traffic, which is below any low threshold: missing data breaches.
resource "aws_cloudwatch_metric_alarm" "firehose_incoming_records_low_alarm" {
  alarm_name          = "${local.name}-low-incoming-records"
  alarm_description   = "Fewer than ${var.alarm_low_threshold} records read by ${local.name} in ${var.alarm_period} s (no traffic included)."
  namespace           = local.firehose_metrics
  metric_name         = "DataReadFromKinesisStream.Records"
  dimensions          = { DeliveryStreamName = local.name }
  statistic           = "Sum"
  period              = var.alarm_period
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = var.alarm_low_threshold
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.firehose_alarms.arn]
  ok_actions          = [aws_sns_topic.firehose_alarms.arn]
  tags                = local.tags
}
