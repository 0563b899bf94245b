# EMR security configuration and the cluster.

locals {
  # At rest: EMRFS objects (SSE-KMS) and local disks incl. EBS with the module's key. In transit: TLS with
  # the PEM certificates zip, only when in_transit_tls_certificates_s3_uri is set (EMR needs a certificate
  # provider; there is no usable default).
  security_configuration = {
    EncryptionConfiguration = merge(
      {
        EnableAtRestEncryption    = true
        EnableInTransitEncryption = local.in_transit_encryption
        AtRestEncryptionConfiguration = {
          S3EncryptionConfiguration = {
            EncryptionMode = "SSE-KMS"
            AwsKmsKey      = local.kms_key_arn
          }
          LocalDiskEncryptionConfiguration = {
            EncryptionKeyProviderType = "AwsKms"
            AwsKmsKey                 = local.kms_key_arn
            EnableEbsEncryption       = true
          }
        }
      },
      local.in_transit_encryption ? {
        InTransitEncryptionConfiguration = {
          TLSCertificateConfiguration = {
            CertificateProviderType = "PEM"
            S3Object                = var.in_transit_tls_certificates_s3_uri
          }
        }
      } : {},
    )
  }

  # Scale the core group on YARN memory pressure: +1 node when less than 25 % of the memory is available,
  # -1 node when more than 75 % is, at most one action per 300 s.
  autoscaling_rule = {
    for name, r in {
      ScaleUpOnLowYarnMemory = {
        description = "Add a core node when YARNMemoryAvailablePercentage < 25"
        adjustment  = 1
        comparison  = "LESS_THAN"
        threshold   = 25
      }
      ScaleDownOnHighYarnMemory = {
        description = "Remove a core node when YARNMemoryAvailablePercentage > 75"
        adjustment  = -1
        comparison  = "GREATER_THAN"
        threshold   = 75
      }
      } : name => {
      Name        = name
      Description = r.description
      Action = {
        SimpleScalingPolicyConfiguration = {
          AdjustmentType    = "CHANGE_IN_CAPACITY"
          ScalingAdjustment = r.adjustment
          CoolDown          = 300
        }
      }
      Trigger = {
        CloudWatchAlarmDefinition = {
          ComparisonOperator = r.comparison
          EvaluationPeriods  = 1
          MetricName         = "YARNMemoryAvailablePercentage"
          Namespace          = "AWS/ElasticMapReduce"
          Period             = 300
          Statistic          = "AVERAGE"
          Threshold          = r.threshold
          Unit               = "PERCENT"
        }
      }
    }
  }

  autoscaling_policy = {
    Constraints = {
      MinCapacity = var.min_instances
      MaxCapacity = var.max_instances
    }
    Rules = [local.autoscaling_rule["ScaleUpOnLowYarnMemory"], local.autoscaling_rule["ScaleDownOnHighYarnMemory"]]
  }

  # Dativo writes Apache Iceberg: enable it on the cluster and load the Spark SQL extensions. With a JDBC URI
  # the catalog "dativo" points at the same SQL catalog Dativo uses, so both engines see the same tables.
  iceberg_catalog_properties = var.iceberg_jdbc_catalog_uri == null ? {} : {
    "spark.sql.catalog.dativo"           = "org.apache.iceberg.spark.SparkCatalog"
    "spark.sql.catalog.dativo.type"      = "jdbc"
    "spark.sql.catalog.dativo.uri"       = var.iceberg_jdbc_catalog_uri
    "spark.sql.catalog.dativo.warehouse" = "s3://${var.s3_bucket}/${var.iceberg_warehouse_prefix}"
    "spark.sql.catalog.dativo.io-impl"   = "org.apache.iceberg.aws.s3.S3FileIO"
  }

  # S3FileIO bypasses EMRFS (and so the security configuration): give it the same SSE-KMS setting.
  iceberg_sse_properties = var.iceberg_jdbc_catalog_uri != null && var.enable_encryption ? {
    "spark.sql.catalog.dativo.s3.sse.type" = "kms"
    "spark.sql.catalog.dativo.s3.sse.key"  = local.kms_key_arn
  } : {}

  emr_configurations = [
    {
      Classification = "iceberg-defaults"
      Properties     = { "iceberg.enabled" = "true" }
    },
    {
      Classification = "spark-defaults"
      Properties = merge(
        {
          "spark.sql.extensions"       = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
          "spark.sql.adaptive.enabled" = "true"
        },
        local.iceberg_catalog_properties,
        local.iceberg_sse_properties,
      )
    },
  ]
}

resource "aws_emr_security_configuration" "dativo" {
  count = var.enable_encryption ? 1 : 0

  name          = "${local.cluster_name}-security"
  configuration = jsonencode(local.security_configuration)
}

resource "aws_emr_cluster" "dativo" {
  name          = local.cluster_name
  release_label = var.release_label
  applications  = ["Hadoop", "Hive", "Spark"]

  service_role           = aws_iam_role.emr_service.arn
  autoscaling_role       = var.enable_autoscaling ? aws_iam_role.emr_autoscaling[0].arn : null
  security_configuration = var.enable_encryption ? aws_emr_security_configuration.dativo[0].name : null

  log_uri                   = "s3://${aws_s3_bucket.emr_logs.bucket}/logs/"
  log_encryption_kms_key_id = local.kms_key_arn

  # A long-running cluster that Dativo submits steps to; shrink gracefully.
  keep_job_flow_alive_when_no_steps = true
  scale_down_behavior               = "TERMINATE_AT_TASK_COMPLETION"

  ec2_attributes {
    # Instance groups run in one subnet; a private one (EMR gives no public IP in a subnet without one).
    subnet_id                         = var.subnet_ids[0]
    instance_profile                  = aws_iam_instance_profile.emr_ec2.arn
    emr_managed_master_security_group = aws_security_group.master.id
    emr_managed_slave_security_group  = aws_security_group.core.id
    service_access_security_group     = aws_security_group.service_access.id
    additional_master_security_groups = length(local.extra_security_group_ids) > 0 ? join(",", local.extra_security_group_ids) : null
    additional_slave_security_groups  = length(local.extra_security_group_ids) > 0 ? join(",", local.extra_security_group_ids) : null
  }

  # The master stays On-Demand even with Spot enabled: losing it loses the cluster.
  master_instance_group {
    name           = "master"
    instance_type  = var.instance_type
    instance_count = 1

    ebs_config {
      size                 = var.ebs_volume_size_gb
      type                 = "gp3"
      volumes_per_instance = 1
    }
  }

  # Exactly one core group (EMR allows one); auto-scaling is a policy on it, not a second group.
  core_instance_group {
    name               = "core"
    instance_type      = var.instance_type
    instance_count     = var.instance_count
    bid_price          = var.enable_spot_instances ? var.spot_bid_price : null
    autoscaling_policy = var.enable_autoscaling ? jsonencode(local.autoscaling_policy) : null

    ebs_config {
      size                 = var.ebs_volume_size_gb
      type                 = "gp3"
      volumes_per_instance = 1
    }
  }

  configurations_json = jsonencode(local.emr_configurations)

  tags = merge(local.common_tags, local.emr_managed_policy_tag)

  lifecycle {
    precondition {
      condition     = data.aws_region.current.name == var.aws_region
      error_message = "The AWS provider is configured for region ${data.aws_region.current.name} but aws_region = \"${var.aws_region}\". Configure the provider (or AWS_REGION) for ${var.aws_region}, or change aws_region."
    }

    precondition {
      condition     = length(merge(local.common_tags, local.emr_managed_policy_tag, { Name = "" })) <= 50
      error_message = "Too many tags: AWS allows 50 per resource and the module adds up to 6 of its own; reduce tags/classification_tags/finops_tags."
    }
  }

  depends_on = [
    aws_iam_role_policy_attachment.emr_service,
    aws_iam_role_policy.emr_service,
    aws_iam_role_policy.emr_ec2,
    aws_iam_role_policy_attachment.emr_autoscaling,
    aws_ec2_tag.subnet_emr_managed_policy,
    aws_vpc_security_group_ingress_rule.nodes_from_service_access,
    aws_vpc_security_group_ingress_rule.service_access_from_master,
    aws_vpc_security_group_egress_rule.service_access_to_nodes,
    aws_vpc_security_group_egress_rule.master_to_service_access,
    aws_cloudwatch_log_group.emr,
  ]
}
