using System.Text.RegularExpressions;
using Dativo.Core.Contracts;
using Dativo.Core.Tags;

namespace Dativo.Core.Config.Jobs;

/// <summary>Checks that need more than one file: job against contract and recipes.</summary>
internal static partial class JobRules
{
    private static readonly string[] CursorStrategies = ["incremental", "cursor", "updated_at", "created", "updated_after"];
    private static readonly string[] FileSources = ["csv", "jsonl", "parquet", "s3"];

    public static void Check(LoadedJob job, JobLoader.Context ctx, List<ConfigIssue> warnings, RunMode mode)
    {
        var c = job.Config;
        var sourceType = job.SourceRecipe.Type;

        if (!job.SourceRecipe.Roles.Contains("source"))
            ctx.Error(c.SourceConnector is null ? "source_connector_path" : "source_connector", $"connector '{sourceType}' cannot be a source (roles: {string.Join(", ", job.SourceRecipe.Roles)})");
        if (!job.TargetRecipe.Roles.Contains("target"))
            ctx.Error(c.TargetConnector is null ? "target_connector_path" : "target_connector", $"connector '{job.TargetRecipe.Type}' cannot be a target (roles: {string.Join(", ", job.TargetRecipe.Roles)})");
        if (mode == RunMode.Cloud && !job.SourceRecipe.AllowedInCloud)
            ctx.Error("source_connector", $"connector '{sourceType}' is not allowed in cloud mode: database sources run only in self_hosted mode");

        if (FileSources.Contains(sourceType) && c.Source.Files.Count == 0)
            ctx.Error("source", $"a {sourceType} source needs source.files: [{{path: ...}}]");
        for (var i = 0; i < c.Source.Files.Count; i++)
            if (string.IsNullOrEmpty(c.Source.Files[i].Location))
                ctx.Error($"source.files[{i}]", "each file needs a path");
        if (sourceType == "postgres" && c.Source.Tables.Count == 0 && job.Contract.Object is null)
            ctx.Error("source", "a postgres source needs source.tables: [{name: schema.table}] (or an 'object' in the contract, read as that table)");

        var strategy = job.IncrementalStrategy;
        if (strategy is not null && CursorStrategies.Contains(strategy))
        {
            var missing = c.Source.Tables.Count > 0
                ? c.Source.Tables.Where(t => (t.CursorField ?? job.CursorField) is null).Select(t => t.Name).ToList()
                : job.CursorField is null ? ["source"] : [];
            if (missing.Count > 0)
                ctx.Error("source.incremental", $"strategy '{strategy}' needs a cursor column: set source.incremental.cursor_field (the '{sourceType}' recipe has no default)");
        }
        if (strategy == "file_modified_time" && !FileSources.Contains(sourceType))
            ctx.Error("source.incremental.strategy", $"file_modified_time applies to file sources, not '{sourceType}'");

        if (job.ReplacesData && ((strategy is not null && strategy is not ("full_refresh" or "full" or "none")) || c.Source.Tables.Any(t => t.CursorField is not null)))
            ctx.Error("target.mode", $"mode '{job.TargetMode}' replaces the table's rows with what one run reads, but source.incremental makes a run read only " +
                "what is new, so earlier rows would be lost: remove the incremental settings (every run then reads the whole source), or use mode append");

        CheckPartitioning(job, ctx);
        CheckTargetNames(job, ctx);

        foreach (var key in c.ClassificationOverrides.Keys.Where(k => k != "default" && job.Contract.Field(k) is null))
            warnings.Add(ctx.Warning($"classification_overrides.{key}", $"'{key}' is not a column of contract {job.Contract.Name}; the override has no effect"));

        foreach (var field in LooksLikePii(job.Contract, c.ClassificationOverrides))
            warnings.Add(new ConfigIssue(IssueSeverity.Warning, job.Contract.File, field.Line, 1, $"schema.{field.Name}",
                $"column '{field.Name}' looks like personal data but has no classification; add classification: PII (or public) to the contract or classification_overrides"));

        if (job.Contract.Tenant is { } t && t != c.TenantId)
            warnings.Add(ctx.Warning("tenant_id", $"the contract belongs to tenant '{t}' but the job runs for '{c.TenantId}'"));

        TagRules.Check(job, ctx);
    }

    private static void CheckPartitioning(LoadedJob job, JobLoader.Context ctx)
    {
        var parts = job.Partitioning;
        var parquet = string.Equals(job.TargetFormat, "parquet", StringComparison.OrdinalIgnoreCase);
        for (var i = 0; i < parts.Count; i++)
        {
            var p = Partitioning.Parse(parts[i]);
            var where = job.Config.Target.Partitioning is null ? "target" : $"target.partitioning[{i}]";
            if (p is null)
                ctx.Error(where, $"cannot read partition field '{parts[i]}'; use column, ingest_date, day(col), month(col), year(col), hour(col), bucket(N, col) or truncate(W, col)");
            else if (p.Column != Partitioning.IngestDate && job.Contract.Field(p.Column) is null)
                ctx.Error(where, $"partition column '{p.Column}' is not in contract {job.Contract.Name}");
            else if (parquet && p.Transform != "identity")
                ctx.Error(where, $"'{parts[i]}' is an Iceberg transform; a parquet dataset is partitioned by columns only (Hive folders col=value): " +
                    $"use a column or ingest_date, or target_connector: iceberg");
        }
        if (parquet && job.Config.Target.Mode is { } mode && mode is not ("append" or "overwrite_partitions"))
            ctx.Error("target.mode", $"mode '{mode}' is not supported by the parquet target; use append (default) or overwrite_partitions");
    }

    /// <summary>Table and namespace become catalog identifiers and folders: refused here, with the rule, rather than failing at run time.</summary>
    private static void CheckTargetNames(LoadedJob job, JobLoader.Context ctx)
    {
        var t = job.Config.Target;
        Check("namespace", t.Namespace, job.TargetNamespace, $"the contract's domain in {job.Contract.File}");
        Check("table", t.Table, job.TargetTable, $"the contract's name in {job.Contract.File}");

        void Check(string key, string? written, string effective, string fallback)
        {
            if (CatalogNames.IsValid(effective)) return;
            var origin = written is null ? $"{key} defaults to {fallback}, {CatalogNames.Show(effective)}" : $"{CatalogNames.Show(written)}";
            var fix = written is null ? $"; set target.{key}: <name>" : "";
            ctx.Error($"target.{key}", $"{origin} is not a valid {key} name: use {CatalogNames.Rule}" +
                $" (upper case, '-' and spaces are read as lower case and '_'){fix}");
        }
    }

    internal static IEnumerable<ContractField> LooksLikePii(DataContract contract, IReadOnlyDictionary<string, string> overrides) =>
        contract.Fields.Where(f => f.Classification is null && !overrides.ContainsKey(f.Name) && PiiName().IsMatch(f.Name));

    [GeneratedRegex(@"(^|_)(e_?mail|phone|mobile|ssn|social_security|passport|drivers?_?licen[cs]e|first_?name|last_?name|full_?name|maiden_?name|birth_?date|date_of_birth|dob|address|street|zip_?code|postal_?code|credit_?card|card_?number|cc_number|iban|account_?number|routing_?number|tax_?id|national_?id|ip_?address)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex PiiName();
}
