using Dativo.Core.Config.Jobs;

namespace Dativo.Ingestion.Targets;

/// <summary>Warehouse, namespace and table name of a job's target.</summary>
internal sealed record TargetLocation(string Warehouse, string Namespace, string Table)
{
    public const string DefaultWarehouse = ".local/lake";

    public string Key => $"{Namespace}/{Table}";

    /// <summary>
    /// Warehouse: target.warehouse, else <c>./.local/lake</c> under <paramref name="workDir"/>. Namespace: target.namespace,
    /// else the contract domain, else <c>default</c>. Table: target.table, else the contract name. Both follow
    /// <see cref="Dativo.Core.Config.CatalogNames"/>, checked when the job is loaded.
    /// </summary>
    public static TargetLocation Of(LoadedJob job, string workDir)
    {
        var t = job.Config.Target;
        var wh = t.Warehouse;
        if (string.IsNullOrWhiteSpace(wh)) wh = Path.Combine(workDir, DefaultWarehouse);
        else if (!wh.Contains("://", StringComparison.Ordinal)) wh = Path.GetFullPath(wh, workDir);
        return new TargetLocation(wh.TrimEnd('/'), job.TargetNamespace, job.TargetTable);
    }
}
