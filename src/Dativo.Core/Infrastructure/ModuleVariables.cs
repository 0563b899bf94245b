using System.Text.RegularExpressions;
using Dativo.Core.Config.Jobs;

namespace Dativo.Core.Infrastructure;

/// <summary>
/// The input variables of the Terraform module a job's tfvars are written for: those its <c>module_source</c> folder
/// declares when that is a local folder, else those of <c>terraform/aws/emr-dativo</c> (kept in sync with its
/// variables.tf by a test). Terraform ignores a tfvars value it has no variable for, with only a warning.
/// </summary>
public static partial class ModuleVariables
{
    public const string EmrModule = "terraform/aws/emr-dativo";

    public static readonly string[] EmrDativo =
    [
        "tenant_id", "environment", "aws_region", "tags", "classification_tags", "finops_tags", "instance_type", "instance_count",
        "enable_autoscaling", "min_instances", "max_instances", "enable_spot_instances", "spot_bid_price", "release_label",
        "ebs_volume_size_gb", "s3_bucket", "vpc_id", "subnet_ids", "security_group_ids", "manage_subnet_emr_tags",
        "log_retention_days", "enable_encryption", "kms_key_alias", "in_transit_tls_certificates_s3_uri",
        "iceberg_warehouse_prefix", "iceberg_jdbc_catalog_uri",
    ];

    /// <summary>The declared variables and the module they belong to (for messages).</summary>
    public static (IReadOnlySet<string> Names, string Module) Declared(LoadedJob job)
    {
        if (job.Config.Infrastructure?.Terraform?.ModuleSource is { } source && !source.Contains("::", StringComparison.Ordinal)
            && !source.Contains("://", StringComparison.Ordinal) && !source.Contains('$', StringComparison.Ordinal))
        {
            var dir = job.Resolve(source);
            if (Directory.Exists(dir) && Directory.GetFiles(dir, "*.tf") is { Length: > 0 } files)
                return (files.SelectMany(f => Parse(File.ReadAllText(f))).ToHashSet(StringComparer.Ordinal), source);
        }
        return (EmrDativo.ToHashSet(StringComparer.Ordinal), EmrModule);
    }

    /// <summary>The names of the <c>variable "name"</c> blocks of a .tf file.</summary>
    public static IEnumerable<string> Parse(string tf) => VariableBlock().Matches(tf).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"^\s*variable\s+""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex VariableBlock();
}
