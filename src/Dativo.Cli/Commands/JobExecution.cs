using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Cli.Commands;

/// <summary>Runs validated jobs. Data movement arrives with the batch-ingestion work; until then this says so plainly.</summary>
internal static class JobExecution
{
    public static Task<int> RunAllAsync(IReadOnlyList<LoadedJob> jobs, CliContext ctx, CancellationToken ct) =>
        throw new DativoException($"{jobs.Count} job(s) validated, but this build cannot move data yet: batch ingestion is not available. " +
            "Use `dativo check`, `dativo tags` and `dativo infra tfvars` meanwhile.");
}
