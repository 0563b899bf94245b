# Plausible values for the AWS provider under `terraform test` (no credentials, no network).

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
    user_id    = "AIDAEXAMPLEUSERID0000"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "us-east-2"
  }
}

mock_data "aws_kms_key" {
  defaults = {
    arn = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    id  = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_resource "aws_kinesis_stream" {
  defaults = {
    arn = "arn:aws:kinesis:us-east-2:123456789012:stream/mock"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock-firehose"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mock-bucket"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:us-east-2:123456789012:mock-alarms"
  }
}

mock_resource "aws_cloudwatch_log_stream" {
  defaults = {
    arn = "arn:aws:logs:us-east-2:123456789012:log-group:mock:log-stream:mock"
  }
}
