using System.Text.Json.Nodes;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Tags;

namespace Dativo.Core.Infrastructure;

/// <summary>
/// The Terraform variables of a job for <c>terraform/aws/emr-dativo</c>, in a fixed order:
/// tenant_id, environment, aws_region, tags, classification_tags, finops_tags, compute,
/// storage and network settings, then <c>infrastructure.metadata.variables</c> (which win).
/// Unset optional values are left out so the module's defaults apply.
/// </summary>
public static class TerraformVariables
{
    public static IReadOnlyList<KeyValuePair<string, JsonNode?>> Build(LoadedJob job, Func<string, string?> env)
    {
        var infra = job.Config.Infrastructure;
        var compute = infra?.Runtime?.Compute;
        var scaling = compute?.AutoScaling;
        var network = infra?.Runtime?.Network;
        var tags = InfrastructureTags.Derive(job);

        var vars = new List<KeyValuePair<string, JsonNode?>>();
        void Add(string name, JsonNode? value)
        {
            if (value is null) return;
            var i = vars.FindIndex(v => v.Key == name);
            if (i >= 0) vars[i] = KeyValuePair.Create<string, JsonNode?>(name, value);
            else vars.Add(KeyValuePair.Create<string, JsonNode?>(name, value));
        }

        Add("tenant_id", job.Config.TenantId);
        Add("environment", job.Config.Environment ?? "dev");
        Add("aws_region", env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? "us-east-1");
        Add("tags", ToObject(tags));
        Add("classification_tags", ToObject(InfrastructureTags.ClassificationTags(tags)));
        Add("finops_tags", ToObject(InfrastructureTags.FinOpsTags(tags)));
        Add("instance_type", compute?.InstanceType);
        Add("instance_count", compute?.InstanceCount);
        if (scaling is not null)
        {
            Add("enable_autoscaling", scaling.Enabled ?? true);
            Add("min_instances", scaling.MinInstances);
            Add("max_instances", scaling.MaxInstances);
        }
        Add("s3_bucket", infra?.Runtime?.Storage?.Bucket ?? job.Config.Target.Connection?.EffectiveS3?.Bucket);
        Add("vpc_id", network?.VpcId);
        Add("subnet_ids", network?.SubnetIds is { } s ? new JsonArray([.. s.Select(x => (JsonNode)x)]) : null);
        Add("security_group_ids", network?.SecurityGroupIds is { } g ? new JsonArray([.. g.Select(x => (JsonNode)x)]) : null);
        foreach (var (name, value) in infra?.Metadata?.Variables ?? [])
            Add(name, value?.DeepClone() ?? JsonValue.Create<string?>(null));
        return vars;
    }

    private static JsonObject ToObject(OrderedTags tags) => new(tags.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}
