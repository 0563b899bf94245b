using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Alerts;

/// <summary>Told about every finished run; decides from the pipeline's alerts whether to notify.</summary>
public interface IAlertSender
{
    Task RunFinishedAsync(LoadedPipeline pipeline, RunRecord run, CancellationToken ct);
}
