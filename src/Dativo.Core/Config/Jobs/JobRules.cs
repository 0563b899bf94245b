using System.Text.RegularExpressions;
using Dativo.Core.Connectors;
using Dativo.Core.Contracts;
using Dativo.Core.Tags;
using Dativo.Core.Text;

namespace Dativo.Core.Config.Jobs;

/// <summary>Checks that need more than one file: job against contract and recipes.</summary>
internal static partial class JobRules
{
    private static readonly string[] CursorStrategies = ["incremental", "cursor", "updated_at", "created", "updated_after"];
    private static readonly string[] FileSources = ["csv", "jsonl", "parquet", "s3"];

    /// <summary>Which of the job's references loaded: checks needing one that did not (its error is reported) are skipped.</summary>
    internal readonly record struct Known(bool Contract, bool Source, bool Target);

    public static void Check(LoadedJob job, Known known, JobLoader.Context ctx, RunMode mode, JobUse use)
    {
        if (use == JobUse.Run) CheckRun(job, known, ctx, mode);
        CheckInfrastructure(job, ctx);
        if (!known.Contract) return;

        var c = job.Config;
        foreach (var key in c.ClassificationOverrides.Keys.Where(k => k != "default" && job.Contract.Field(k) is null))
            ctx.Warnings.Add(ctx.Warning($"classification_overrides.{key}", $"'{key}' is not a column of contract {job.Contract.Name}; the override has no effect"));

        foreach (var field in LooksLikePii(job.Contract, c.ClassificationOverrides))
            ctx.Warnings.Add(new ConfigIssue(IssueSeverity.Warning, job.Contract.File, field.Line, 1, $"schema.{field.Name}",
                $"column '{field.Name}' looks like personal data but has no classification; add classification: PII (or public) to the contract or classification_overrides"));

        if (job.Contract.Tenant is { } t && t != c.TenantId && c.TenantId.Length > 0)
            ctx.Warnings.Add(ctx.Warning("tenant_id", $"the contract belongs to tenant '{t}' but the job runs for '{c.TenantId}'"));

        TagRules.Check(job, ctx);
    }

    /// <summary>What only a run uses: connectors, files, tables, incremental reads, text options, DSN, target and catalog.</summary>
    private static void CheckRun(LoadedJob job, Known known, JobLoader.Context ctx, RunMode mode)
    {
        var c = job.Config;
        var sourceType = job.SourceRecipe.Type;
        var sourceKey = c.SourceConnector is null && c.SourceConnectorPath is not null ? "source_connector_path" : "source_connector";
        var targetKey = c.TargetConnector is null && c.TargetConnectorPath is not null ? "target_connector_path" : "target_connector";

        if (known.Source)
        {
            if (!job.SourceRecipe.Roles.Contains("source"))
                ctx.Error(sourceKey, $"connector '{sourceType}' cannot be a source (roles: {string.Join(", ", job.SourceRecipe.Roles)})");
            else if (!ConnectorRecipes.Readable.Contains(sourceType.ToLowerInvariant()))
                ctx.Error(sourceKey, $"connector '{sourceType}' ({job.SourceRecipe.Origin}) has no reader in this build: sources that run are " +
                    $"{string.Join(", ", ConnectorRecipes.Readable)}; `dativo tags` and `dativo infra tfvars` still work for this job");
            if (mode == RunMode.Cloud && !job.SourceRecipe.AllowedInCloud)
                ctx.Error(sourceKey, $"connector '{sourceType}' is not allowed in cloud mode: database sources run only in self_hosted mode");
            CheckSource(job, known, ctx);
        }
        if (known.Target)
        {
            if (!job.TargetRecipe.Roles.Contains("target"))
                ctx.Error(targetKey, $"connector '{job.TargetRecipe.Type}' cannot be a target (roles: {string.Join(", ", job.TargetRecipe.Roles)})");
            else if (job.TargetFormat.ToLowerInvariant() is not ("iceberg" or "parquet"))
                ctx.Error(c.Target.FileFormat is null ? targetKey : "target.file_format", $"target format '{job.TargetFormat}' ({job.TargetRecipe.Origin}) has no writer in this build; use iceberg or parquet");
            else if (job.TargetFormat.Equals("iceberg", StringComparison.OrdinalIgnoreCase))
                TargetCatalog.CheckForIceberg(job, ctx);
        }

        if (job.ReplacesData && ((job.IncrementalStrategy is not null && !job.ReadsEverything) || c.Source.Tables.Any(t => t.CursorField is not null)))
            ctx.Error("target.mode", $"mode '{job.TargetMode}' replaces the table's rows with what one run reads, but source.incremental makes a run read only " +
                "what is new, so earlier rows would be lost: remove the incremental settings (every run then reads the whole source), or use mode append");

        if (known.Contract && known.Target) CheckPartitioning(job, ctx);
        if (known.Contract) CheckTargetNames(job, ctx);
    }

    private static void CheckSource(LoadedJob job, Known known, JobLoader.Context ctx)
    {
        var c = job.Config;
        var sourceType = job.SourceRecipe.Type;
        var fileSource = FileSources.Contains(sourceType);
        if (fileSource && c.Source.Files.Count == 0)
            ctx.Error("source", $"a {sourceType} source needs source.files: [{{path: ...}}]");
        for (var i = 0; i < c.Source.Files.Count; i++)
            if (string.IsNullOrEmpty(c.Source.Files[i].Location))
                ctx.Error($"source.files[{i}]", "each file needs a path");
        if (fileSource) CheckFiles(job, ctx);
        if (sourceType == "postgres" && c.Source.Tables.Count == 0 && known.Contract && job.Contract.Object is null)
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
        if (strategy == "file_modified_time" && !fileSource)
            ctx.Error("source.incremental.strategy", $"file_modified_time applies to file sources, not '{sourceType}'");

        if (fileSource && sourceType != "parquet")
            foreach (var (key, message) in CsvSettings.Of(job).Problems())
                ctx.Error(key.Length == 0 ? (c.SourceConnectorPath is null ? "source_connector" : "source_connector_path") : key,
                    key.Length == 0 ? $"connector recipe {job.SourceRecipe.Origin}: {message}" : message);
        if (c.Source.Engine?["options"] is System.Text.Json.Nodes.JsonObject engineOptions)
            foreach (var (key, _) in engineOptions.Where(kv => !CsvSettings.EngineOptions.Contains(kv.Key)))
                ctx.Warnings.Add(ctx.Warning($"source.engine.options.{key}", $"engine option '{key}' is ignored: only {string.Join(", ", CsvSettings.EngineOptions)} is read (write file settings under source.options)"));

        if (c.Source.Dsn is { } dsn && !PostgresDsn.IsDeferred(dsn))
        {
            try { PostgresDsn.Parse(dsn); }
            catch (FormatException e) { ctx.Error("source.dsn", e.Message); }
        }
    }

    /// <summary>Local paths and globs of a file source: a glob matching nothing or a missing file is a warning (an error with --strict): a run would read nothing, or fail.</summary>
    private static void CheckFiles(LoadedJob job, JobLoader.Context ctx)
    {
        var files = job.Config.Source.Files;
        for (var i = 0; i < files.Count; i++)
        {
            var location = files[i].Location;
            if (location.Length == 0 || location.Contains("://", StringComparison.Ordinal) || location.Contains("${", StringComparison.Ordinal)) continue;
            var key = files[i].Path is not null ? $"source.files[{i}].path" : $"source.files[{i}].file";
            var full = job.Resolve(location);
            if (Globs.HasWildcard(location))
            {
                if (!Globs.MatchesAnyLocalFile(full))
                    ctx.Warnings.Add(ctx.Warning(key, $"the glob '{location}' matches no file (looked for {full}): a run reads nothing from it " +
                        "until files arrive; check the path (relative to the job file's folder)"));
            }
            else if (!File.Exists(full) && !Directory.Exists(full))
                ctx.Warnings.Add(ctx.Warning(key, $"source file not found: {full} (paths are relative to the job file's folder); a run fails unless it exists by then"));
        }
    }

    /// <summary>Terraform variables: names Terraform accepts, and declared by the module (else Terraform ignores them, with only a warning).</summary>
    private static void CheckInfrastructure(LoadedJob job, JobLoader.Context ctx)
    {
        if (job.Config.Infrastructure?.Metadata?.Variables is not { Count: > 0 } variables) return;
        var (declared, module) = Infrastructure.ModuleVariables.Declared(job);
        foreach (var (name, _) in variables)
        {
            var key = $"infrastructure.metadata.variables.{name}";
            if (!TerraformName().IsMatch(name))
                ctx.Error(key, $"'{name}' is not a Terraform variable name: use letters, digits, '_' and '-', starting with a letter or '_'");
            else if (!declared.Contains(name))
                ctx.Warnings.Add(ctx.Warning(key, $"'{name}' is not a variable of {module}: it is written to the tfvars as given, and Terraform ignores it " +
                    $"(with a warning){NearMiss.Hint(name, declared)}; declare it in the module or remove it"));
        }
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

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex TerraformName();

    [GeneratedRegex(@"(^|_)(e_?mail|phone|mobile|ssn|social_security|passport|drivers?_?licen[cs]e|first_?name|last_?name|full_?name|maiden_?name|birth_?date|date_of_birth|dob|address|street|zip_?code|postal_?code|credit_?card|card_?number|cc_number|iban|account_?number|routing_?number|tax_?id|national_?id|ip_?address)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex PiiName();
}
