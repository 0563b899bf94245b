# Security groups for a cluster in private subnets. The three groups are EMR-managed: EMR adds the rules it
# needs at launch, so the groups have no inline rules (Terraform would otherwise fight EMR over them) and the
# rules below are standalone resources. Nothing is open to the internet: no ingress from any CIDR, and the
# only egress outside the cluster is HTTPS (AWS APIs: S3, KMS, CloudWatch, EMR), via NAT or VPC endpoints.

resource "aws_security_group" "master" {
  name                   = "${local.cluster_name}-emr-master"
  description            = "Dativo EMR ${local.cluster_name}: master node (EMR-managed)"
  vpc_id                 = var.vpc_id
  revoke_rules_on_delete = true # EMR adds cross-references between the groups; revoke them so destroy works

  tags = merge(local.common_tags, local.emr_managed_policy_tag, { Name = "${local.cluster_name}-emr-master" })
}

resource "aws_security_group" "core" {
  name                   = "${local.cluster_name}-emr-core"
  description            = "Dativo EMR ${local.cluster_name}: core and task nodes (EMR-managed)"
  vpc_id                 = var.vpc_id
  revoke_rules_on_delete = true

  tags = merge(local.common_tags, local.emr_managed_policy_tag, { Name = "${local.cluster_name}-emr-core" })
}

resource "aws_security_group" "service_access" {
  name                   = "${local.cluster_name}-emr-service-access"
  description            = "Dativo EMR ${local.cluster_name}: EMR service access to the nodes in private subnets"
  vpc_id                 = var.vpc_id
  revoke_rules_on_delete = true

  tags = merge(local.common_tags, local.emr_managed_policy_tag, { Name = "${local.cluster_name}-emr-service-access" })
}

locals {
  # Intra-cluster traffic: nodes of the cluster talk to each other on every port (HDFS, YARN, Spark shuffle).
  intra_cluster_rules = {
    master_from_master = { sg = "master", from = "master" }
    master_from_core   = { sg = "master", from = "core" }
    core_from_master   = { sg = "core", from = "master" }
    core_from_core     = { sg = "core", from = "core" }
  }

  security_group_ids_by_role = {
    master         = aws_security_group.master.id
    core           = aws_security_group.core.id
    service_access = aws_security_group.service_access.id
  }
}

resource "aws_vpc_security_group_ingress_rule" "intra_cluster" {
  for_each = local.intra_cluster_rules

  security_group_id            = local.security_group_ids_by_role[each.value.sg]
  referenced_security_group_id = local.security_group_ids_by_role[each.value.from]
  ip_protocol                  = "-1"
  description                  = "All traffic from the ${each.value.from} nodes of ${local.cluster_name}"

  tags = local.common_tags
}

resource "aws_vpc_security_group_egress_rule" "intra_cluster" {
  for_each = local.intra_cluster_rules

  # Mirror of the ingress rules: <from> may send to <sg>.
  security_group_id            = local.security_group_ids_by_role[each.value.from]
  referenced_security_group_id = local.security_group_ids_by_role[each.value.sg]
  ip_protocol                  = "-1"
  description                  = "All traffic to the ${each.value.sg} nodes of ${local.cluster_name}"

  tags = local.common_tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = toset(["master", "core"])

  security_group_id = local.security_group_ids_by_role[each.key]
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS to AWS APIs (S3, KMS, CloudWatch, EMR) via NAT or VPC endpoints"

  tags = local.common_tags
}

# EMR service access in private subnets: the EMR control plane reaches the master's agent on 8443 through the
# service access group, and the master calls back on 9443.
resource "aws_vpc_security_group_ingress_rule" "nodes_from_service_access" {
  for_each = toset(["master", "core"])

  security_group_id            = local.security_group_ids_by_role[each.key]
  referenced_security_group_id = aws_security_group.service_access.id
  ip_protocol                  = "tcp"
  from_port                    = 8443
  to_port                      = 8443
  description                  = "EMR service access to the ${each.key} nodes"

  tags = local.common_tags
}

resource "aws_vpc_security_group_egress_rule" "service_access_to_nodes" {
  for_each = toset(["master", "core"])

  security_group_id            = aws_security_group.service_access.id
  referenced_security_group_id = local.security_group_ids_by_role[each.key]
  ip_protocol                  = "tcp"
  from_port                    = 8443
  to_port                      = 8443
  description                  = "EMR service access to the ${each.key} nodes"

  tags = local.common_tags
}

resource "aws_vpc_security_group_ingress_rule" "service_access_from_master" {
  security_group_id            = aws_security_group.service_access.id
  referenced_security_group_id = aws_security_group.master.id
  ip_protocol                  = "tcp"
  from_port                    = 9443
  to_port                      = 9443
  description                  = "Master node to EMR service access"

  tags = local.common_tags
}

resource "aws_vpc_security_group_egress_rule" "master_to_service_access" {
  security_group_id            = aws_security_group.master.id
  referenced_security_group_id = aws_security_group.service_access.id
  ip_protocol                  = "tcp"
  from_port                    = 9443
  to_port                      = 9443
  description                  = "Master node to EMR service access"

  tags = local.common_tags
}

# AmazonEMRServicePolicy_v2 launches instances only into subnets carrying the EMR managed-policy tag.
resource "aws_ec2_tag" "subnet_emr_managed_policy" {
  for_each = var.manage_subnet_emr_tags ? toset(var.subnet_ids) : toset([])

  resource_id = each.value
  key         = "for-use-with-amazon-emr-managed-policies"
  value       = "true"
}
