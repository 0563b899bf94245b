using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Secrets;

namespace Dativo.Ingestion.Discovery;

/// <summary>Lists what a job's source holds, without reading data (<c>dativo discover</c>).</summary>
public static class SourceDiscovery
{
    public static async Task<DiscoveryResult> DiscoverAsync(LoadedJob job, SecretResolver secrets, Func<string, string?> env, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        var type = job.SourceRecipe.Type.ToLowerInvariant();
        return type switch
        {
            "postgres" or "postgresql" => new DiscoveryResult(job.Name, type, await PostgresDiscovery.TablesAsync(job, secrets, env, ct).ConfigureAwait(false), []),
            "csv" or "jsonl" or "ndjson" or "parquet" or "s3" or "file" => new DiscoveryResult(job.Name, type, [], await FileDiscovery.FilesAsync(job, type, ct).ConfigureAwait(false)),
            _ => throw new DativoException($"{job.File}: discovery is not available for source connector '{type}' (csv, jsonl, parquet, postgres)"),
        };
    }
}
