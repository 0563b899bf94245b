# Unit tests of the module against a mocked AWS provider: `terraform test` (from the module directory).

mock_provider "aws" {
  source = "./tests/mocks"
}

# Everything `dativo infra tfvars` writes is pinned here (to the module defaults where it has one), because
# terraform test also loads a dativo.auto.tfvars generated into the module directory.
variables {
  tenant_id             = "acme"
  environment           = "prod"
  aws_region            = "us-east-1"
  instance_type         = "r5.2xlarge"
  instance_count        = 3
  enable_autoscaling    = false
  min_instances         = 2
  max_instances         = 10
  vpc_id                = "vpc-0a1b2c3d"
  subnet_ids            = ["subnet-abc123", "subnet-def456"]
  security_group_ids    = null
  s3_bucket             = "acme-data-lake-prod"
  enable_spot_instances = false
  log_retention_days    = 30
  tags = {
    CostCenter = "data-engineering"
    Owner      = "data-team@company.com"
    ManagedBy  = "dativo"
  }
  classification_tags = {
    DataClassification = "SENSITIVE"
  }
  finops_tags = {
    Project = "customer-analytics"
  }
}

run "defaults" {
  command = apply

  # ---- tags reach every taggable resource, the module's own keys win, nothing time-based ----
  assert {
    condition     = aws_emr_cluster.dativo.tags["ManagedBy"] == "terraform" && aws_emr_cluster.dativo.tags["TerraformModule"] == "dativo-emr"
    error_message = "The EMR cluster must carry ManagedBy=terraform and TerraformModule=dativo-emr."
  }

  assert {
    condition     = aws_emr_cluster.dativo.tags["CostCenter"] == "data-engineering" && aws_emr_cluster.dativo.tags["DataClassification"] == "SENSITIVE" && aws_emr_cluster.dativo.tags["Project"] == "customer-analytics"
    error_message = "Caller, classification and FinOps tags must reach the EMR cluster."
  }

  assert {
    condition     = aws_emr_cluster.dativo.tags["DativoTenant"] == "acme" && aws_emr_cluster.dativo.tags["DativoEnvironment"] == "prod" && aws_emr_cluster.dativo.tags["for-use-with-amazon-emr-managed-policies"] == "true"
    error_message = "The EMR cluster must carry DativoTenant, DativoEnvironment and the EMR managed-policy tag."
  }

  assert {
    condition     = aws_s3_bucket.emr_logs.tags["ManagedBy"] == "terraform" && aws_s3_bucket.emr_logs.tags["TerraformModule"] == "dativo-emr" && aws_s3_bucket.emr_logs.tags["CostCenter"] == "data-engineering" && aws_s3_bucket.emr_logs.tags["Owner"] == "data-team@company.com"
    error_message = "The log bucket must carry the module tags and the caller's tags."
  }

  assert {
    condition = alltrue([
      for t in concat(
        [
          aws_kms_key.dativo[0].tags,
          aws_s3_bucket.emr_logs.tags,
          aws_cloudwatch_log_group.emr.tags,
          aws_security_group.master.tags,
          aws_security_group.core.tags,
          aws_security_group.service_access.tags,
          aws_iam_role.emr_service.tags,
          aws_iam_role.emr_ec2.tags,
          aws_iam_instance_profile.emr_ec2.tags,
          aws_emr_cluster.dativo.tags,
          aws_vpc_security_group_ingress_rule.service_access_from_master.tags,
          aws_vpc_security_group_egress_rule.master_to_service_access.tags,
        ],
        [for r in values(aws_vpc_security_group_ingress_rule.intra_cluster) : r.tags],
        [for r in values(aws_vpc_security_group_egress_rule.intra_cluster) : r.tags],
        [for r in values(aws_vpc_security_group_egress_rule.https) : r.tags],
        [for r in values(aws_vpc_security_group_ingress_rule.nodes_from_service_access) : r.tags],
        [for r in values(aws_vpc_security_group_egress_rule.service_access_to_nodes) : r.tags],
      ) : t["ManagedBy"] == "terraform" && t["TerraformModule"] == "dativo-emr" && t["CostCenter"] == "data-engineering" && t["DativoTenant"] == "acme"
    ])
    error_message = "Every taggable resource must carry the merged tag set."
  }

  assert {
    condition     = !contains(keys(aws_emr_cluster.dativo.tags), "CreatedAt") && !contains(keys(output.applied_tags), "CreatedAt")
    error_message = "No time-based tag may be set (it would change on every plan)."
  }

  assert {
    condition     = output.applied_tags == merge(var.tags, var.classification_tags, var.finops_tags, { ManagedBy = "terraform", TerraformModule = "dativo-emr", DativoTenant = "acme", DativoEnvironment = "prod" })
    error_message = "applied_tags must be tags + classification_tags + finops_tags + the module tags."
  }

  assert {
    condition     = output.classification_tags == var.classification_tags && output.finops_tags == var.finops_tags
    error_message = "classification_tags and finops_tags outputs must pass the inputs through."
  }

  # ---- cluster shape ----
  assert {
    condition     = length(aws_emr_cluster.dativo.core_instance_group) == 1 && length(aws_emr_cluster.dativo.master_instance_group) == 1
    error_message = "The cluster must have exactly one master and one core instance group."
  }

  assert {
    condition     = aws_emr_cluster.dativo.core_instance_group[0].instance_count == 3 && aws_emr_cluster.dativo.core_instance_group[0].instance_type == "r5.2xlarge"
    error_message = "The core group must use instance_count and instance_type."
  }

  assert {
    condition     = aws_emr_cluster.dativo.core_instance_group[0].autoscaling_policy == null && aws_emr_cluster.dativo.autoscaling_role == null && length(aws_iam_role.emr_autoscaling) == 0
    error_message = "Without enable_autoscaling there must be no auto-scaling policy and no auto-scaling role."
  }

  assert {
    condition     = aws_emr_cluster.dativo.core_instance_group[0].bid_price == null && aws_emr_cluster.dativo.master_instance_group[0].bid_price == null
    error_message = "Without enable_spot_instances all nodes must be On-Demand."
  }

  assert {
    condition     = startswith(aws_emr_cluster.dativo.release_label, "emr-7.") && toset(aws_emr_cluster.dativo.applications) == toset(["Hadoop", "Hive", "Spark"])
    error_message = "The cluster must run an EMR 7.x release with Hadoop, Hive and Spark."
  }

  assert {
    condition     = anytrue([for c in jsondecode(aws_emr_cluster.dativo.configurations_json) : c.Classification == "spark-defaults" && lookup(c.Properties, "spark.sql.extensions", null) == "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"])
    error_message = "spark-defaults must load the Iceberg Spark SQL extensions."
  }

  assert {
    condition     = anytrue([for c in jsondecode(aws_emr_cluster.dativo.configurations_json) : c.Classification == "iceberg-defaults" && lookup(c.Properties, "iceberg.enabled", null) == "true"])
    error_message = "Iceberg must be enabled through the iceberg-defaults classification."
  }

  # ---- network: private subnet, service access group, no public ingress ----
  assert {
    condition     = aws_emr_cluster.dativo.ec2_attributes[0].subnet_id == "subnet-abc123"
    error_message = "The cluster must run in the first subnet of subnet_ids."
  }

  assert {
    condition     = aws_emr_cluster.dativo.ec2_attributes[0].service_access_security_group == aws_security_group.service_access.id && aws_emr_cluster.dativo.ec2_attributes[0].emr_managed_master_security_group == aws_security_group.master.id && aws_emr_cluster.dativo.ec2_attributes[0].emr_managed_slave_security_group == aws_security_group.core.id
    error_message = "The cluster must use the module's master, core and service access security groups."
  }

  assert {
    condition     = aws_emr_cluster.dativo.ec2_attributes[0].additional_master_security_groups == null
    error_message = "Without security_group_ids no additional security groups are attached."
  }

  assert {
    condition = alltrue(concat(
      [for r in values(aws_vpc_security_group_ingress_rule.intra_cluster) : r.cidr_ipv4 == null],
      [for r in values(aws_vpc_security_group_ingress_rule.nodes_from_service_access) : r.cidr_ipv4 == null && r.from_port == 8443],
      [aws_vpc_security_group_ingress_rule.service_access_from_master.cidr_ipv4 == null],
    ))
    error_message = "No ingress rule may be open to a CIDR block."
  }

  assert {
    condition     = length(aws_ec2_tag.subnet_emr_managed_policy) == 2 && alltrue([for t in values(aws_ec2_tag.subnet_emr_managed_policy) : t.key == "for-use-with-amazon-emr-managed-policies" && t.value == "true"])
    error_message = "Both subnets must be tagged for AmazonEMRServicePolicy_v2."
  }

  # ---- encryption ----
  assert {
    condition     = aws_kms_key.dativo[0].enable_key_rotation && aws_kms_alias.dativo[0].name == "alias/dativo-acme-prod"
    error_message = "The KMS key must rotate and its alias must be unique per tenant and environment."
  }

  assert {
    condition     = jsondecode(aws_emr_security_configuration.dativo[0].configuration).EncryptionConfiguration.EnableAtRestEncryption && jsondecode(aws_emr_security_configuration.dativo[0].configuration).EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration.EncryptionMode == "SSE-KMS"
    error_message = "The security configuration must encrypt EMRFS data with SSE-KMS."
  }

  assert {
    condition     = jsondecode(aws_emr_security_configuration.dativo[0].configuration).EncryptionConfiguration.AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration.AwsKmsKey == aws_kms_key.dativo[0].arn
    error_message = "Local disks must be encrypted with the module's key."
  }

  assert {
    condition     = !jsondecode(aws_emr_security_configuration.dativo[0].configuration).EncryptionConfiguration.EnableInTransitEncryption
    error_message = "In-transit encryption stays off without a certificate zip."
  }

  assert {
    condition     = aws_emr_cluster.dativo.security_configuration == aws_emr_security_configuration.dativo[0].name
    error_message = "The cluster must use the security configuration."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.emr_logs.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.emr_logs.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.dativo[0].arn
    error_message = "The log bucket must use SSE-KMS with the module's key."
  }

  # ---- logging ----
  assert {
    condition     = aws_s3_bucket.emr_logs.bucket == "acme-data-lake-prod-emr-logs" && output.emr_log_bucket == "acme-data-lake-prod-emr-logs"
    error_message = "The log bucket must be <s3_bucket>-emr-logs."
  }

  assert {
    condition     = aws_s3_bucket_versioning.emr_logs.versioning_configuration[0].status == "Enabled"
    error_message = "The log bucket must be versioned."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.emr_logs.block_public_acls && aws_s3_bucket_public_access_block.emr_logs.block_public_policy && aws_s3_bucket_public_access_block.emr_logs.ignore_public_acls && aws_s3_bucket_public_access_block.emr_logs.restrict_public_buckets
    error_message = "The log bucket must block all public access."
  }

  assert {
    condition     = aws_cloudwatch_log_group.emr.name == "/aws/emr/dativo-acme-prod" && aws_cloudwatch_log_group.emr.retention_in_days == 30 && aws_cloudwatch_log_group.emr.kms_key_id == aws_kms_key.dativo[0].arn
    error_message = "The log group must be /aws/emr/<cluster_name>, keep logs log_retention_days days and use the KMS key."
  }

  assert {
    condition     = aws_emr_cluster.dativo.log_uri == "s3://acme-data-lake-prod-emr-logs/logs/"
    error_message = "EMR must write its logs to the log bucket."
  }

  # ---- outputs ----
  assert {
    condition     = output.emr_cluster_id == aws_emr_cluster.dativo.id && output.emr_cluster_arn == aws_emr_cluster.dativo.arn && output.emr_master_public_dns == aws_emr_cluster.dativo.master_public_dns
    error_message = "Cluster outputs must come from the cluster."
  }
}

run "tag_values_are_made_valid_for_aws" {
  command = plan

  variables {
    tags = {
      Regulations  = "SOX, PCI-DSS,GDPR"
      Owner        = "data-team@company.com"
      "Odd Key#1"  = "a#b(c)"
      BusinessTags = "revenue,orders"
    }
  }

  assert {
    condition     = aws_emr_cluster.dativo.tags["Regulations"] == "SOX+PCI-DSS+GDPR" && aws_s3_bucket.emr_logs.tags["BusinessTags"] == "revenue+orders"
    error_message = "Comma-joined lists must become '+'-joined (EMR and S3 reject commas in tag values)."
  }

  assert {
    condition     = aws_emr_cluster.dativo.tags["Owner"] == "data-team@company.com" && aws_emr_cluster.dativo.tags["Odd Key_1"] == "a_b_c_"
    error_message = "Allowed characters stay, others become '_'."
  }

  assert {
    condition     = output.applied_tags == aws_emr_cluster.dativo.tags || output.applied_tags == { for k, v in aws_emr_cluster.dativo.tags : k => v if k != "for-use-with-amazon-emr-managed-policies" }
    error_message = "applied_tags must be the tags actually applied."
  }
}

run "iam_is_scoped_to_the_buckets_and_key" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.emr_ec2.statement : [
        for r in s.resources : contains([
          "arn:aws:s3:::acme-data-lake-prod",
          "arn:aws:s3:::acme-data-lake-prod/*",
          aws_s3_bucket.emr_logs.arn,
          "${aws_s3_bucket.emr_logs.arn}/*",
        ], r)
      ] if anytrue([for a in s.actions : startswith(a, "s3:")])
    ]))
    error_message = "S3 permissions of the nodes must be limited to the data bucket and the log bucket."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.emr_ec2.statement : s.resources if s.sid == "UseClusterKey"]) == toset([aws_kms_key.dativo[0].arn])
    error_message = "KMS use must be limited to the module's key."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.emr_ec2.statement : s.resources if s.sid == "CloudWatchLogs"]) == toset(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/emr/dativo-acme-prod", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/emr/dativo-acme-prod:log-stream:*"])
    error_message = "CloudWatch Logs permissions must be limited to the cluster's log group."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.emr_service.policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
    error_message = "The service role must use the scoped AmazonEMRServicePolicy_v2."
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.emr_ec2.statement : s if contains(s.actions, "s3:*") || contains(s.actions, "*")]) == 0
    error_message = "The nodes' policy must not grant wildcard actions."
  }
}

run "autoscaling_enabled" {
  command = plan

  variables {
    enable_autoscaling = true
    instance_count     = 8
    min_instances      = 4
    max_instances      = 12
  }

  assert {
    condition     = length(aws_emr_cluster.dativo.core_instance_group) == 1
    error_message = "Auto-scaling must not add a second core group."
  }

  assert {
    condition     = jsondecode(aws_emr_cluster.dativo.core_instance_group[0].autoscaling_policy).Constraints == { MinCapacity = 4, MaxCapacity = 12 }
    error_message = "Capacity constraints must come from min_instances and max_instances."
  }

  assert {
    condition     = length(jsondecode(aws_emr_cluster.dativo.core_instance_group[0].autoscaling_policy).Rules) == 2
    error_message = "The policy must have a scale-up and a scale-down rule."
  }

  assert {
    condition = anytrue([
      for r in jsondecode(aws_emr_cluster.dativo.core_instance_group[0].autoscaling_policy).Rules :
      r.Trigger.CloudWatchAlarmDefinition.MetricName == "YARNMemoryAvailablePercentage" && r.Trigger.CloudWatchAlarmDefinition.ComparisonOperator == "LESS_THAN" && r.Trigger.CloudWatchAlarmDefinition.Threshold == 25 && r.Action.SimpleScalingPolicyConfiguration.ScalingAdjustment > 0
    ])
    error_message = "Scale up when YARNMemoryAvailablePercentage < 25."
  }

  assert {
    condition = anytrue([
      for r in jsondecode(aws_emr_cluster.dativo.core_instance_group[0].autoscaling_policy).Rules :
      r.Trigger.CloudWatchAlarmDefinition.MetricName == "YARNMemoryAvailablePercentage" && r.Trigger.CloudWatchAlarmDefinition.ComparisonOperator == "GREATER_THAN" && r.Trigger.CloudWatchAlarmDefinition.Threshold == 75 && r.Action.SimpleScalingPolicyConfiguration.ScalingAdjustment < 0
    ])
    error_message = "Scale down when YARNMemoryAvailablePercentage > 75."
  }

  assert {
    condition     = alltrue([for r in jsondecode(aws_emr_cluster.dativo.core_instance_group[0].autoscaling_policy).Rules : r.Action.SimpleScalingPolicyConfiguration.CoolDown == 300])
    error_message = "Both rules must cool down for 300 s."
  }

  assert {
    condition     = length(aws_iam_role.emr_autoscaling) == 1 && aws_iam_role_policy_attachment.emr_autoscaling[0].policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforAutoScalingRole"
    error_message = "Auto-scaling needs its own role with the EMR auto-scaling policy."
  }

  assert {
    condition     = aws_iam_role.emr_autoscaling[0].tags["TerraformModule"] == "dativo-emr"
    error_message = "The auto-scaling role must be tagged."
  }

  assert {
    condition     = aws_emr_cluster.dativo.core_instance_group[0].instance_count == 8
    error_message = "The core group starts with instance_count nodes."
  }
}

run "spot_instances" {
  command = plan

  variables {
    enable_spot_instances = true
  }

  assert {
    condition     = aws_emr_cluster.dativo.core_instance_group[0].bid_price == "OnDemandPrice"
    error_message = "With enable_spot_instances the core group must bid for Spot capacity (capped at the On-Demand price by default)."
  }

  assert {
    condition     = aws_emr_cluster.dativo.master_instance_group[0].bid_price == null
    error_message = "The master node must stay On-Demand."
  }
}

run "spot_instances_with_bid_price" {
  command = plan

  variables {
    enable_spot_instances = true
    spot_bid_price        = "0.35"
  }

  assert {
    condition     = aws_emr_cluster.dativo.core_instance_group[0].bid_price == "0.35"
    error_message = "spot_bid_price must be used as the core group's bid price."
  }
}

run "encryption_disabled" {
  command = plan

  variables {
    enable_encryption = false
  }

  assert {
    condition     = length(aws_kms_key.dativo) == 0 && length(aws_kms_alias.dativo) == 0 && length(aws_emr_security_configuration.dativo) == 0
    error_message = "Without encryption there is no KMS key and no security configuration."
  }

  assert {
    condition     = aws_emr_cluster.dativo.security_configuration == null && aws_cloudwatch_log_group.emr.kms_key_id == null
    error_message = "Without encryption the cluster and log group use no customer key."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.emr_logs.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    error_message = "The log bucket still uses SSE-S3 without a customer key."
  }
}

run "in_transit_encryption" {
  command = plan

  variables {
    in_transit_tls_certificates_s3_uri = "s3://acme-certs/emr/certs.zip"
  }

  assert {
    condition     = jsondecode(aws_emr_security_configuration.dativo[0].configuration).EncryptionConfiguration.EnableInTransitEncryption
    error_message = "A certificate zip turns in-transit encryption on."
  }

  assert {
    condition     = jsondecode(aws_emr_security_configuration.dativo[0].configuration).EncryptionConfiguration.InTransitEncryptionConfiguration.TLSCertificateConfiguration == { CertificateProviderType = "PEM", S3Object = "s3://acme-certs/emr/certs.zip" }
    error_message = "In-transit encryption must use the PEM zip."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.emr_ec2.statement : s.resources if s.sid == "ReadTlsCertificates"]) == toset(["arn:aws:s3:::acme-certs/emr/certs.zip"])
    error_message = "The nodes may read exactly the certificate zip."
  }
}

run "extra_security_groups_and_jdbc_catalog" {
  command = plan

  variables {
    security_group_ids       = ["sg-0123abcd", "sg-0456ef01"]
    manage_subnet_emr_tags   = false
    iceberg_jdbc_catalog_uri = "jdbc:postgresql://catalog.internal:5432/dativo"
  }

  assert {
    condition     = aws_emr_cluster.dativo.ec2_attributes[0].additional_master_security_groups == "sg-0123abcd,sg-0456ef01" && aws_emr_cluster.dativo.ec2_attributes[0].additional_slave_security_groups == "sg-0123abcd,sg-0456ef01"
    error_message = "security_group_ids must be attached to master and core nodes."
  }

  assert {
    condition     = length(aws_ec2_tag.subnet_emr_managed_policy) == 0
    error_message = "manage_subnet_emr_tags = false must leave the subnets alone."
  }

  assert {
    condition = anytrue([
      for c in jsondecode(aws_emr_cluster.dativo.configurations_json) :
      c.Classification == "spark-defaults" && lookup(c.Properties, "spark.sql.catalog.dativo.type", null) == "jdbc" && lookup(c.Properties, "spark.sql.catalog.dativo.uri", null) == "jdbc:postgresql://catalog.internal:5432/dativo" && lookup(c.Properties, "spark.sql.catalog.dativo.warehouse", null) == "s3://acme-data-lake-prod/warehouse"
    ])
    error_message = "The JDBC catalog 'dativo' must point at the SQL catalog and the warehouse in s3_bucket."
  }
}

run "second_tenant_does_not_collide" {
  command = plan

  variables {
    tenant_id = "globex"
    s3_bucket = "globex-lake"
  }

  assert {
    condition     = aws_kms_alias.dativo[0].name == "alias/dativo-globex-prod" && aws_emr_cluster.dativo.name == "dativo-globex-prod" && aws_iam_role.emr_ec2.name == "dativo-globex-prod-emr-ec2"
    error_message = "Names must be derived from tenant and environment."
  }
}

# ---- invalid input ----

run "rejects_min_greater_than_max" {
  command = plan

  variables {
    min_instances = 10
    max_instances = 5
  }

  expect_failures = [var.min_instances]
}

run "rejects_zero_instances" {
  command = plan

  variables {
    instance_count = 0
  }

  expect_failures = [var.instance_count]
}

run "rejects_instance_count_outside_autoscaling_range" {
  command = plan

  variables {
    enable_autoscaling = true
    instance_count     = 20
    min_instances      = 2
    max_instances      = 10
  }

  expect_failures = [var.instance_count]
}

run "rejects_unsupported_log_retention" {
  command = plan

  variables {
    log_retention_days = 13
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_reserved_kms_alias" {
  command = plan

  variables {
    kms_key_alias = "alias/aws/s3"
  }

  expect_failures = [var.kms_key_alias]
}

run "rejects_in_transit_without_encryption" {
  command = plan

  variables {
    enable_encryption                  = false
    in_transit_tls_certificates_s3_uri = "s3://acme-certs/emr/certs.zip"
  }

  expect_failures = [var.in_transit_tls_certificates_s3_uri]
}

run "rejects_provider_in_another_region" {
  command = plan

  override_data {
    target = data.aws_region.current
    values = {
      name = "eu-west-1"
    }
  }

  expect_failures = [aws_emr_cluster.dativo]
}
