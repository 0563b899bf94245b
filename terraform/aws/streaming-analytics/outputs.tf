output "affiliate_kinesis_stream_arn" {
  description = "ARN of the Kinesis stream producers write to (grant it to their roles)."
  value       = aws_kinesis_stream.affiliate_stream.arn
}

output "firehose_role_arn" {
  description = "ARN of the role Firehose uses: allow it in the transformation Lambda's and the KMS key's policies."
  value       = aws_iam_role.firehose_role.arn
}

output "target_s3_bucket_name" {
  description = "Bucket Firehose delivers to."
  value       = aws_s3_bucket.firehose_target.bucket
}

output "cloudwatch_dashboard_url" {
  description = "Link to the delivery dashboard."
  value       = "https://console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${local.dashboard_name}"
}
