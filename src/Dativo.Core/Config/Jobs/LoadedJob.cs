using Dativo.Core.Connectors;
using Dativo.Core.Contracts;

namespace Dativo.Core.Config.Jobs;

/// <summary>A job with everything it references resolved: contract, recipes, effective settings.</summary>
public sealed record LoadedJob
{
    public required string File { get; init; }
    public required JobConfig Config { get; init; }
    public required DataContract Contract { get; init; }
    public required ConnectorRecipe SourceRecipe { get; init; }
    public required ConnectorRecipe TargetRecipe { get; init; }
    public IReadOnlyList<ConfigIssue> Warnings { get; init; } = [];

    public string Directory => Path.GetDirectoryName(Path.GetFullPath(File))!;

    /// <summary>Job name: explicit name, else the asset name, else the contract's.</summary>
    public string Name => Config.Name ?? Config.Asset ?? Contract.Name;

    public FinOps FinOps => Contract.FinOps.MergedWith(Config.Finops is null ? null : ContractLoader.ReadFinOps(Config.Finops));

    /// <summary>Resolves a path written in the job file against the job file's folder.</summary>
    public string Resolve(string path) => JobLoader.ResolvePath(Directory, path);

    /// <summary>target.mode: append (default), overwrite or overwrite_partitions.</summary>
    public string TargetMode => string.IsNullOrWhiteSpace(Config.Target.Mode) ? "append" : Config.Target.Mode.Trim().ToLowerInvariant();

    /// <summary>The run's rows replace the table's (overwrite) or their partitions' (overwrite_partitions): every run reads the whole source.</summary>
    public bool ReplacesData => TargetMode is "overwrite" or "overwrite_partitions";

    public string? IncrementalStrategy => Config.Source.Incremental?.Strategy ?? (Config.Source.Incremental is null ? null : SourceRecipe.StrategyDefault);
    /// <summary>Strategy <c>none</c>, <c>full</c> or <c>full_refresh</c>: every run reads the whole source (no cursor, no file markers).</summary>
    public bool ReadsEverything => IncrementalStrategy is "none" or "full" or "full_refresh";

    public string? CursorField => Config.Source.Incremental?.CursorField ?? SourceRecipe.CursorFieldDefault;
    public int LookbackDays => Config.Source.Incremental?.LookbackDays ?? SourceRecipe.LookbackDaysDefault;
    public IReadOnlyList<string> Partitioning => Config.Target.Partitioning ?? (Contract.TargetPartitioning.Count > 0 ? Contract.TargetPartitioning : TargetRecipe.PartitioningDefault);
    /// <summary>Tables to read: the job's, else the contract's object as one table.</summary>
    public IReadOnlyList<SourceTable> Tables => Config.Source.Tables.Count > 0 || Contract.Object is null
        ? Config.Source.Tables
        : [new SourceTable { Name = Contract.Object, Object = Contract.Object }];

    /// <summary>Catalog namespace written to: target.namespace, else the contract's domain, else <c>default</c> (see <see cref="CatalogNames.Normalize"/>).</summary>
    public string TargetNamespace => CatalogNames.Normalize(Config.Target.Namespace ?? Contract.Domain ?? "default");

    /// <summary>Table written to: target.table, else the contract's name (see <see cref="CatalogNames.Normalize"/>).</summary>
    public string TargetTable => CatalogNames.Normalize(Config.Target.Table ?? Contract.Name);

    public string TargetFormat => Config.Target.FileFormat ?? TargetRecipe.FileFormat ?? "iceberg";
}
