using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Schema;

namespace Dativo.Ingestion.Targets;

internal static class TargetFactory
{
    public static async Task<ITableTarget> OpenAsync(LoadedJob job, TargetLocation loc, TargetSchema schema, TimeProvider time, CancellationToken ct) =>
        job.TargetFormat.ToLowerInvariant() switch
        {
            "iceberg" => await IcebergTarget.OpenAsync(job, loc, schema, time, ct).ConfigureAwait(false),
            "parquet" => await ParquetDatasetTarget.OpenAsync(job, loc, schema, time, ct).ConfigureAwait(false),
            var f => throw new DativoException($"{job.File}: target format '{f}' is not supported yet; use iceberg or parquet"),
        };
}
