using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.Sources.Files;

namespace Dativo.Ingestion.Sources;

internal static class SourceFactory
{
    public static ISource Create(LoadedJob job, RunOptions o) => job.SourceRecipe.Type.ToLowerInvariant() switch
    {
        "csv" or "jsonl" or "ndjson" or "parquet" or "s3" or "file" => new FileSource(job, job.SourceRecipe.Type.ToLowerInvariant(), o.BatchRows),
        "postgres" or "postgresql" => new Postgres.PostgresSource(job, o),
        var t => throw new DativoException($"{job.File}: connector '{t}' ({job.SourceRecipe.Origin}) has no reader in this build: sources that run are " +
            $"{string.Join(", ", Dativo.Core.Connectors.ConnectorRecipes.Readable)}"),
    };
}
