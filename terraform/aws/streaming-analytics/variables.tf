# Inputs of the streaming-analytics module. Names, types and defaults follow the Kinesis -> Firehose -> S3 module it
# replaces, so existing callers keep working; `dativo stream tfvars` writes them from a delivery-stream YAML file.

variable "project_name" {
  description = "Name of the project; resources are named <project_name>-<env>."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]+$", var.project_name)) && length(var.project_name) + 5 <= 64
    error_message = "project_name must be letters, digits, '_', '.' or '-', short enough that <project_name>-<env> fits a 64-character stream name."
  }
}

variable "env" {
  description = "Deployment environment: Dev, Test or Prod."
  type        = string
  default     = "Dev"

  validation {
    condition     = contains(["Dev", "Test", "Prod"], var.env)
    error_message = "env must be one of Dev, Test, Prod."
  }
}

variable "log_group_name" {
  description = "Existing CloudWatch log group in which the Firehose log stream <project_name>-<env> is created."
  type        = string
}

variable "kinesis_data_producers" {
  description = "Principals allowed to put records into the Kinesis stream: aws (ARNs) and federated (provider ARNs)."
  type = object({
    aws       = optional(set(string), [])
    federated = optional(set(string), [])
  })

  validation {
    condition     = length(var.kinesis_data_producers.aws) + length(var.kinesis_data_producers.federated) > 0
    error_message = "kinesis_data_producers needs at least one aws or federated principal."
  }
}

variable "s3_data_consumers" {
  description = "Principals allowed to read the delivered objects: aws (ARNs) and federated (provider ARNs)."
  type = object({
    aws       = optional(set(string), [])
    federated = optional(set(string), [])
  })

  validation {
    condition     = length(var.s3_data_consumers.aws) + length(var.s3_data_consumers.federated) > 0
    error_message = "s3_data_consumers needs at least one aws or federated principal."
  }
}

variable "retention_period" {
  description = "Hours records stay readable in the Kinesis stream (24-8760)."
  type        = number
  default     = 24

  validation {
    condition     = var.retention_period >= 24 && var.retention_period <= 8760
    error_message = "retention_period must be between 24 and 8760 hours."
  }
}

variable "stream_mode" {
  description = "Kinesis capacity mode: ON_DEMAND or PROVISIONED."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_mode)
    error_message = "stream_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "shard_count" {
  description = "Shards of the Kinesis stream; used only when stream_mode is PROVISIONED."
  type        = number
  default     = 1

  validation {
    condition     = var.shard_count >= 1
    error_message = "shard_count must be at least 1."
  }
}

variable "buffering_size" {
  description = "MiB a partition buffers before delivery (1-128; at least 64 with dynamic partitioning)."
  type        = number
  default     = 10

  validation {
    condition     = var.buffering_size >= 1 && var.buffering_size <= 128
    error_message = "buffering_size must be between 1 and 128 MiB."
  }

  validation {
    condition     = !var.enable_dynamic_partitioning || var.buffering_size >= 64
    error_message = "With dynamic partitioning Firehose needs buffering_size >= 64 MiB."
  }
}

variable "buffering_interval" {
  description = "Seconds a partition buffers before delivery (0-900; at least 60 with dynamic partitioning)."
  type        = number
  default     = 400

  validation {
    condition     = var.buffering_interval >= 0 && var.buffering_interval <= 900
    error_message = "buffering_interval must be between 0 and 900 seconds."
  }

  validation {
    condition     = !var.enable_dynamic_partitioning || var.buffering_interval >= 60
    error_message = "Zero buffering is not available with dynamic partitioning: buffering_interval must be at least 60 seconds."
  }
}

variable "compression_format" {
  description = "Compression of the delivered objects: GZIP, ZSTD or UNCOMPRESSED."
  type        = string
  default     = "GZIP"

  validation {
    condition     = contains(["GZIP", "ZSTD", "UNCOMPRESSED"], var.compression_format)
    error_message = "compression_format must be GZIP, ZSTD or UNCOMPRESSED."
  }
}

variable "data_transformation_lambda_arn" {
  description = "ARN (with version) of a Lambda transforming records; empty for none."
  type        = string
  default     = ""

  validation {
    condition     = var.data_transformation_lambda_arn == "" || can(regex("^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$", var.data_transformation_lambda_arn))
    error_message = "data_transformation_lambda_arn must be a Lambda function ARN: arn:aws:lambda:REGION:ACCOUNT:function:NAME:VERSION."
  }
}

variable "enable_dynamic_partitioning" {
  description = "Partition objects by keys from the records. Changing it re-creates the delivery stream."
  type        = bool
  default     = false
}

variable "dynamic_partitioning_config" {
  description = "Prefixes, inline jq parsing and record processing. With dynamic partitioning jq_metadata_query, s3_dynamic_prefix and s3_error_prefix are all required."
  type = object({
    jq_metadata_query           = optional(string, "")
    s3_dynamic_prefix           = optional(string, "")
    s3_error_prefix             = optional(string, "")
    enable_newline_appending    = optional(bool, false)
    enable_record_deaggregation = optional(bool, false)
    record_deaggregation_config = optional(object({
      type      = optional(string, "JSON")
      delimiter = optional(string, "")
    }), {})
  })
  default = {}

  validation {
    condition     = contains(["JSON", "DELIMITED"], var.dynamic_partitioning_config.record_deaggregation_config.type)
    error_message = "record_deaggregation_config.type must be JSON or DELIMITED (the Firehose enum)."
  }

  validation {
    condition     = var.dynamic_partitioning_config.record_deaggregation_config.type != "DELIMITED" || can(base64decode(var.dynamic_partitioning_config.record_deaggregation_config.delimiter)) && var.dynamic_partitioning_config.record_deaggregation_config.delimiter != ""
    error_message = "record_deaggregation_config.type DELIMITED needs a delimiter: the base64 of its bytes (#### is IyMjIw==)."
  }

  validation {
    condition     = !var.enable_dynamic_partitioning || (var.dynamic_partitioning_config.jq_metadata_query != "" && var.dynamic_partitioning_config.s3_dynamic_prefix != "" && var.dynamic_partitioning_config.s3_error_prefix != "")
    error_message = "With dynamic partitioning jq_metadata_query, s3_dynamic_prefix and s3_error_prefix are all required."
  }

  validation {
    condition     = var.enable_dynamic_partitioning || !strcontains(var.dynamic_partitioning_config.s3_dynamic_prefix, "!{partitionKeyFrom")
    error_message = "Partition key namespaces (!{partitionKeyFromQuery:...}) can only be part of a prefix when enable_dynamic_partitioning is true."
  }

  validation {
    condition     = var.enable_dynamic_partitioning || var.dynamic_partitioning_config.jq_metadata_query == ""
    error_message = "jq_metadata_query runs only with dynamic partitioning: set enable_dynamic_partitioning = true or leave it empty."
  }

  validation {
    condition     = var.dynamic_partitioning_config.s3_error_prefix == "" || strcontains(var.dynamic_partitioning_config.s3_error_prefix, "!{firehose:error-output-type}")
    error_message = "s3_error_prefix must contain !{firehose:error-output-type}."
  }

  validation {
    condition     = !strcontains(var.dynamic_partitioning_config.s3_dynamic_prefix, "!{") || var.dynamic_partitioning_config.s3_error_prefix != ""
    error_message = "s3_error_prefix is required when s3_dynamic_prefix has expressions."
  }
}

variable "alarm_high_threshold" {
  description = "Records read per alarm period above which the high alarm fires."
  type        = number
  default     = 1000
}

variable "alarm_low_threshold" {
  description = "Records read per alarm period below which the low alarm fires; a period without traffic counts as below."
  type        = number
  default     = 50

  validation {
    condition     = var.alarm_low_threshold < var.alarm_high_threshold
    error_message = "alarm_low_threshold must be below alarm_high_threshold."
  }
}

variable "alarm_period" {
  description = "Seconds over which the alarms sum the records (10, 30 or a multiple of 60)."
  type        = number
  default     = 300

  validation {
    condition     = contains([10, 30], var.alarm_period) || (var.alarm_period >= 60 && var.alarm_period % 60 == 0)
    error_message = "alarm_period must be 10, 30 or a multiple of 60 seconds."
  }
}

variable "alarm_subscription_email_addresses" {
  description = "E-mail addresses subscribed to alarm and OK notifications (each confirms by e-mail)."
  type        = set(string)
  default     = []
}

variable "kms_key_id" {
  description = "KMS key (id, ARN or alias/NAME) for use_kms_for_kinesis / use_kms_for_s3. Its key policy must let firehose_role_arn use it."
  type        = string
  default     = ""

  validation {
    condition     = var.kms_key_id != "" || !(var.use_kms_for_kinesis || var.use_kms_for_s3)
    error_message = "kms_key_id is required when use_kms_for_kinesis or use_kms_for_s3 is true."
  }
}

variable "use_kms_for_kinesis" {
  description = "Encrypt the Kinesis stream with kms_key_id."
  type        = bool
  default     = false
}

variable "use_kms_for_s3" {
  description = "Encrypt delivered objects with kms_key_id (aws:kms) instead of AES256; needed for cross-account reads."
  type        = bool
  default     = false
}
