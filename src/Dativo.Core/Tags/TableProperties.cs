using System.Globalization;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Contracts;

namespace Dativo.Core.Tags;

/// <summary>
/// Governance metadata of a job as Iceberg table properties (namespaced keys, lowercase
/// classifications). Field precedence: source metadata &lt; contract &lt; job classification_overrides.
/// </summary>
public static class TableProperties
{
    /// <param name="sourceClassifications">Classifications reported by the source (e.g. column comments), already reduced to a class name.</param>
    public static SortedDictionary<string, string> Derive(LoadedJob job, IReadOnlyDictionary<string, string>? sourceClassifications = null) =>
        Derive(job.Contract, job.Config.ClassificationOverrides, Governance.Of(job), job.FinOps,
            job.Contract.SourceType ?? job.SourceRecipe.Type, job.Contract.Object ?? DefaultObject(job), sourceClassifications);

    /// <summary>The properties of a table produced from a contract without a job (generators, SQL outputs).</summary>
    public static SortedDictionary<string, string> ForContract(DataContract contract, string sourceType) =>
        Derive(contract, new Dictionary<string, string>(), Governance.Of(contract, null), contract.FinOps, contract.SourceType ?? sourceType, contract.Object, null);

    private static SortedDictionary<string, string> Derive(DataContract contract, IReadOnlyDictionary<string, string> overrides, Governance gov,
        FinOps finops, string sourceType, string? sourceObject, IReadOnlyDictionary<string, string>? sourceClassifications)
    {
        var props = new SortedDictionary<string, string>(StringComparer.Ordinal);

        foreach (var field in contract.Fields)
        {
            string? cls = null;
            if (sourceClassifications?.TryGetValue(field.Name, out var s) == true) cls = s;
            cls = field.Classification ?? cls;
            if (overrides.TryGetValue(field.Name, out var o)) cls = o;
            if (!string.IsNullOrWhiteSpace(cls)) props[$"classification.fields.{field.Name}"] = cls.Trim().ToLowerInvariant();
        }
        var tableClass = overrides.GetValueOrDefault("default") ?? contract.Compliance.Classification.FirstOrDefault();
        if (!string.IsNullOrWhiteSpace(tableClass)) props["classification.default"] = tableClass.Trim().ToLowerInvariant();

        Put(props, "governance.owner", gov.Owner);
        if (gov.RetentionDays is { } days) props["governance.retention_days"] = days.ToString(CultureInfo.InvariantCulture);
        if (gov.Regulations.Count > 0) props["governance.regulations"] = string.Join(",", gov.Regulations);
        Put(props, "governance.domain", gov.Domain);
        Put(props, "governance.data_product", gov.DataProduct);
        if (gov.ApprovalRequired is { } approval) props["governance.approval_required"] = approval ? "true" : "false";

        Put(props, "finops.cost_center", finops.CostCenter);
        Put(props, "finops.project", finops.Project);
        Put(props, "finops.environment", finops.Environment);
        if (finops.BusinessTags is { Count: > 0 } bt) props["finops.business_tags"] = string.Join(",", bt);

        props["asset.name"] = contract.Name;
        props["asset.version"] = contract.Version;
        Put(props, "asset.domain", contract.Domain);
        Put(props, "asset.data_product", contract.DataProduct);
        Put(props, "asset.source_type", sourceType);
        Put(props, "asset.object", sourceObject);
        return props;
    }

    internal static string? DefaultObject(LoadedJob job) =>
        job.Config.Source.Files.Select(f => f.Object).FirstOrDefault(o => o is not null)
        ?? job.Config.Source.Tables.Select(t => t.Object ?? t.Name).FirstOrDefault()
        ?? job.Config.Source.Objects.FirstOrDefault();

    private static void Put(IDictionary<string, string> d, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value)) d[key] = value;
    }
}

/// <summary>Contract governance with the job's governance_overrides applied (used by every tag sink).</summary>
public sealed record Governance(string? Owner, int? RetentionDays, IReadOnlyList<string> Regulations, string? Domain, string? DataProduct)
{
    /// <summary><c>governance_overrides.approval_required</c>: changes to the table need approval (unset: no tag).</summary>
    public bool? ApprovalRequired { get; init; }

    public static Governance Of(LoadedJob job) => Of(job.Contract, job.Config.GovernanceOverrides);

    public static Governance Of(DataContract k, GovernanceOverrides? o)
    {
        // An explicit empty owner override removes the owner tag.
        var owner = o?.Owner is not null ? (o.Owner.Length == 0 ? null : o.Owner) : k.Owner;
        return new Governance(owner, o?.RetentionDays ?? k.Compliance.RetentionDays,
            o?.Regulations ?? k.Compliance.Regulations, o?.Domain ?? k.Domain, o?.DataProduct ?? k.DataProduct)
        { ApprovalRequired = o?.ApprovalRequired };
    }
}
