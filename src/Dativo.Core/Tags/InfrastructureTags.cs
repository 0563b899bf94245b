using System.Globalization;
using Dativo.Core.Config.Jobs;

namespace Dativo.Core.Tags;

/// <summary>
/// AWS resource tags of a job (keys as in the EMR module README). Deterministic: no timestamps,
/// fixed key order; <c>infrastructure.metadata.tags</c> win. List values are joined with '/'
/// because EMR and the tagging API reject commas in tag values.
/// </summary>
public static class InfrastructureTags
{
    public const string ListSeparator = "/";

    public static readonly string[] ClassificationKeys = ["DataClassification", "Regulations", "RetentionDays", "EncryptionRequired", "AccessControl"];
    public static readonly string[] FinOpsKeys = ["CostCenter", "Project", "FinOpsEnvironment", "BusinessTags"];

    public static OrderedTags Derive(LoadedJob job)
    {
        var c = job.Config;
        var k = job.Contract;
        var gov = Governance.Of(job);
        var tags = new OrderedTags();
        tags.Set("TenantId", c.TenantId);
        tags.Set("Environment", c.Environment);
        tags.Set("SourceConnector", c.SourceConnector ?? job.SourceRecipe.Type);
        tags.Set("TargetConnector", c.TargetConnector ?? job.TargetRecipe.Type);
        tags.Set("Asset", c.Asset ?? k.Name);
        tags.Set("Domain", gov.Domain);
        tags.Set("DataProduct", gov.DataProduct);
        tags.Set("Owner", gov.Owner);
        if (gov.ApprovalRequired is { } approval) tags.Set("ApprovalRequired", approval ? "true" : "false");

        var classes = k.Compliance.Classification.ToList();
        var tableOverride = c.ClassificationOverrides.GetValueOrDefault("default");
        if (tableOverride is not null && !classes.Contains(tableOverride, StringComparer.OrdinalIgnoreCase)) classes.Insert(0, tableOverride);
        tags.Set("DataClassification", tableOverride ?? (classes.Count > 0 ? string.Join(ListSeparator, classes) : null));
        foreach (var cls in classes) tags.Set("Contains" + ContainsSuffix(cls), "true");
        if (gov.Regulations.Count > 0) tags.Set("Regulations", string.Join(ListSeparator, gov.Regulations));
        tags.Set("RetentionDays", gov.RetentionDays?.ToString(CultureInfo.InvariantCulture));
        if (k.Compliance.EncryptionRequired == true) tags.Set("EncryptionRequired", "true");
        tags.Set("AccessControl", k.Compliance.AccessControl);

        var finops = job.FinOps;
        tags.Set("CostCenter", finops.CostCenter);
        tags.Set("Project", finops.Project);
        tags.Set("FinOpsEnvironment", finops.Environment);
        if (finops.BusinessTags is { Count: > 0 } bt) tags.Set("BusinessTags", string.Join(ListSeparator, bt));

        if (c.Infrastructure is { } infra)
        {
            tags.Set("InfraProvider", infra.Provider);
            tags.Set("Platform", infra.Runtime?.Platform);
            tags.Set("TerraformWorkspace", infra.Terraform?.Workspace);
            tags.Set("InfraVersion", infra.Terraform?.ModuleVersion);
            foreach (var (key, value) in infra.Metadata?.Tags ?? []) tags.Set(key, value);
        }
        return tags;
    }

    /// <summary><c>PII</c> → <c>PII</c>, <c>Financial</c> → <c>Financial</c>, <c>pii</c> → <c>PII</c>, <c>high pii</c> → <c>HIGH_PII</c>.</summary>
    internal static string ContainsSuffix(string cls)
    {
        var s = cls.Trim().Replace(' ', '_');
        return s.Any(char.IsUpper) ? s : s.ToUpperInvariant();
    }

    public static OrderedTags ClassificationTags(OrderedTags all) =>
        all.Where(kv => ClassificationKeys.Contains(kv.Key) || kv.Key.StartsWith("Contains", StringComparison.Ordinal));

    public static OrderedTags FinOpsTags(OrderedTags all) => all.Where(kv => FinOpsKeys.Contains(kv.Key));
}

/// <summary>Tags in insertion order; setting an existing key replaces its value in place.</summary>
public sealed class OrderedTags : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public int Count => _order.Count;

    public string? this[string key] => _values.GetValueOrDefault(key);

    public void Set(string key, string? value)
    {
        if (value is null) return;
        if (!_values.ContainsKey(key)) _order.Add(key);
        _values[key] = value;
    }

    public OrderedTags Where(Func<KeyValuePair<string, string>, bool> predicate)
    {
        var result = new OrderedTags();
        foreach (var kv in this.AsEnumerable().Where(predicate)) result.Set(kv.Key, kv.Value);
        return result;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
        _order.Select(k => KeyValuePair.Create(k, _values[k])).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
