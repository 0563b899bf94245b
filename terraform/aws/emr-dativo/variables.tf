# Inputs. The first block mirrors what `dativo infra tfvars` writes into dativo.auto.tfvars (same order);
# the module-only settings follow. Every variable here is referenced by a resource, a local or a check.

# ---------------------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------------------

variable "tenant_id" {
  description = "Tenant identifier (the job's tenant_id). Part of every resource name, so lower-case letters, digits and '-' only."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,23}$", var.tenant_id))
    error_message = "tenant_id must be 1-24 characters of lower-case letters, digits and '-', starting with a letter or digit (it becomes part of bucket, role and cluster names)."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, ...). Part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,15}$", var.environment))
    error_message = "environment must be 1-16 characters of lower-case letters, digits and '-'."
  }
}

variable "aws_region" {
  description = "AWS region the cluster must be created in. The module has no provider block (it uses the caller's); the plan fails when the provider's region differs from this value."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like an AWS region name, e.g. us-east-1."
  }
}

# ---------------------------------------------------------------------------------------------------------
# Tags (produced by the Dativo tag propagator)
# ---------------------------------------------------------------------------------------------------------

variable "tags" {
  description = "Complete tag set from Dativo (job, asset, classification, FinOps and infrastructure tags)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "tags: keys must be at most 128 characters and not start with 'aws:', values at most 256 characters."
  }
}

variable "classification_tags" {
  description = "Data classification tags (DataClassification, Contains*, Regulations, RetentionDays). Merged over tags."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.classification_tags : length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "classification_tags: keys must be at most 128 characters and not start with 'aws:', values at most 256 characters."
  }
}

variable "finops_tags" {
  description = "FinOps cost allocation tags (CostCenter, Project, FinOpsEnvironment, BusinessTags). Merged over tags and classification_tags."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.finops_tags : length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "finops_tags: keys must be at most 128 characters and not start with 'aws:', values at most 256 characters."
  }
}

# ---------------------------------------------------------------------------------------------------------
# Compute
# ---------------------------------------------------------------------------------------------------------

variable "instance_type" {
  description = "EC2 instance type of the master node and of the core nodes."
  type        = string
  default     = "r5.2xlarge"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as r5.2xlarge."
  }
}

variable "instance_count" {
  description = "Number of core nodes at launch (the master node is extra). With auto-scaling it must lie within [min_instances, max_instances]."
  type        = number
  default     = 3

  validation {
    condition     = var.instance_count >= 1 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number >= 1."
  }

  validation {
    condition     = !var.enable_autoscaling || (var.instance_count >= var.min_instances && var.instance_count <= var.max_instances)
    error_message = "With enable_autoscaling = true, instance_count must lie between min_instances and max_instances."
  }
}

variable "enable_autoscaling" {
  description = "Attach an auto-scaling policy to the core instance group (scale up when YARNMemoryAvailablePercentage < 25, down when > 75, cooldown 300 s)."
  type        = bool
  default     = false
}

variable "min_instances" {
  description = "Minimum number of core nodes when auto-scaling is enabled."
  type        = number
  default     = 2

  validation {
    condition     = var.min_instances >= 1 && floor(var.min_instances) == var.min_instances
    error_message = "min_instances must be a whole number >= 1."
  }

  validation {
    condition     = var.min_instances <= var.max_instances
    error_message = "min_instances must be less than or equal to max_instances."
  }
}

variable "max_instances" {
  description = "Maximum number of core nodes when auto-scaling is enabled."
  type        = number
  default     = 10

  validation {
    condition     = var.max_instances >= 1 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number >= 1."
  }
}

variable "enable_spot_instances" {
  description = "Run the core nodes on Spot capacity (instance group with a Spot bid price, see spot_bid_price). The master node always stays On-Demand."
  type        = bool
  default     = false
}

variable "spot_bid_price" {
  description = "Maximum Spot price in USD per instance-hour for the core nodes (e.g. \"0.30\"), or \"OnDemandPrice\" to cap at the On-Demand price. Used only when enable_spot_instances = true."
  type        = string
  default     = "OnDemandPrice"

  validation {
    condition     = var.spot_bid_price == "OnDemandPrice" || can(regex("^[0-9]+(\\.[0-9]+)?$", var.spot_bid_price))
    error_message = "spot_bid_price must be \"OnDemandPrice\" or a USD amount such as \"0.30\"."
  }
}

variable "release_label" {
  description = "EMR release label (EMR 7.x ships Spark 3.5 with Iceberg support)."
  type        = string
  default     = "emr-7.5.0"

  validation {
    condition     = can(regex("^emr-[0-9]+\\.[0-9]+\\.[0-9]+$", var.release_label))
    error_message = "release_label must look like emr-7.5.0."
  }
}

variable "ebs_volume_size_gb" {
  description = "Size of the gp3 EBS data volume attached to every master and core node."
  type        = number
  default     = 100

  validation {
    condition     = var.ebs_volume_size_gb >= 32 && var.ebs_volume_size_gb <= 16384
    error_message = "ebs_volume_size_gb must be between 32 and 16384."
  }
}

# ---------------------------------------------------------------------------------------------------------
# Storage and network
# ---------------------------------------------------------------------------------------------------------

variable "s3_bucket" {
  description = "Existing data-lake bucket Dativo reads and writes. The cluster gets access to this bucket only (plus its own log bucket <s3_bucket>-emr-logs)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,52}[a-z0-9]$", var.s3_bucket))
    error_message = "s3_bucket must be a valid bucket name of at most 54 characters (the log bucket '<s3_bucket>-emr-logs' must stay within 63)."
  }
}

variable "vpc_id" {
  description = "VPC that contains subnet_ids; the module's security groups are created in it."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0a1b2c3d."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the cluster. EMR instance groups run in one subnet, so the cluster uses the first; list more for documentation or future instance fleets. Nodes never get public IPs."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must contain at least one subnet id such as subnet-abc123."
  }
}

variable "security_group_ids" {
  description = "Extra security groups attached to the master and core nodes (e.g. to reach a database). null or [] = none. The EMR-managed groups (master, core/task, service access) are always created by the module, because EMR edits their rules and they must not be shared."
  type        = list(string)
  default     = null

  validation {
    condition     = var.security_group_ids == null ? true : alltrue([for s in var.security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "security_group_ids must contain security group ids such as sg-0123abcd."
  }
}

variable "manage_subnet_emr_tags" {
  description = "Tag subnet_ids with for-use-with-amazon-emr-managed-policies=true, which the AmazonEMRServicePolicy_v2 service policy requires. Set false when the subnets are tagged elsewhere (e.g. shared by several clusters)."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------------------
# Logging and encryption
# ---------------------------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the CloudWatch log group /aws/emr/<cluster_name>."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "enable_encryption" {
  description = "Create a customer-managed KMS key and use it for EMR at-rest encryption (S3 SSE-KMS, local disks and EBS), the log bucket and the CloudWatch log group. false = AWS-managed SSE-S3 on the log bucket and no EMR security configuration."
  type        = bool
  default     = true
}

variable "kms_key_alias" {
  description = "Prefix of the KMS key alias. The module appends -<tenant_id>-<environment>, so the default gives alias/dativo-acme-prod and tenants never collide."
  type        = string
  default     = "alias/dativo"

  validation {
    condition     = can(regex("^alias/[a-zA-Z0-9/_-]+$", var.kms_key_alias)) && !startswith(var.kms_key_alias, "alias/aws/")
    error_message = "kms_key_alias must start with 'alias/', contain only letters, digits, '/', '_' and '-', and not use the reserved 'alias/aws/' prefix."
  }
}

variable "in_transit_tls_certificates_s3_uri" {
  description = "s3:// URI of a zip with the PEM certificates EMR uses for in-transit (TLS) encryption (privateKey.pem, certificateChain.pem, trustedCertificates.pem). null = in-transit encryption off. Requires enable_encryption = true."
  type        = string
  default     = null

  validation {
    condition     = var.in_transit_tls_certificates_s3_uri == null ? true : can(regex("^s3://[a-z0-9][a-z0-9.-]+[a-z0-9]/.+\\.zip$", var.in_transit_tls_certificates_s3_uri))
    error_message = "in_transit_tls_certificates_s3_uri must look like s3://bucket/path/certs.zip."
  }

  validation {
    condition     = var.in_transit_tls_certificates_s3_uri == null || var.enable_encryption
    error_message = "in_transit_tls_certificates_s3_uri needs enable_encryption = true (in-transit encryption is part of the EMR security configuration)."
  }
}

# ---------------------------------------------------------------------------------------------------------
# Iceberg
# ---------------------------------------------------------------------------------------------------------

variable "iceberg_warehouse_prefix" {
  description = "Key prefix of the Iceberg warehouse inside s3_bucket (spark.sql.catalog.dativo.warehouse = s3://<s3_bucket>/<prefix>)."
  type        = string
  default     = "warehouse"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$", var.iceberg_warehouse_prefix))
    error_message = "iceberg_warehouse_prefix must be a relative key prefix without leading or trailing '/'."
  }
}

variable "iceberg_jdbc_catalog_uri" {
  description = "JDBC URI of the Dativo SQL catalog (e.g. jdbc:postgresql://host:5432/dativo) so Spark and Dativo see the same Iceberg tables. null = no catalog named 'dativo' is preconfigured (Iceberg extensions stay enabled). Credentials are never put here: pass spark.sql.catalog.dativo.jdbc.user/password per job."
  type        = string
  default     = null

  validation {
    condition     = var.iceberg_jdbc_catalog_uri == null ? true : startswith(var.iceberg_jdbc_catalog_uri, "jdbc:")
    error_message = "iceberg_jdbc_catalog_uri must start with 'jdbc:'."
  }
}
