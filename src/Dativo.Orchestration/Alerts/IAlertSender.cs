using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Alerts;

/// <summary>Told about every finished run; decides from the pipeline's alerts whether to notify.</summary>
public interface IAlertSender
{
    Task RunFinishedAsync(LoadedPipeline pipeline, RunRecord run, CancellationToken ct);

    /// <summary>A warning a task raised while the run goes on (e.g. a file quarantined); alerts whose <c>on</c> lists <c>warning</c>.</summary>
    Task TaskWarningAsync(LoadedPipeline pipeline, RunRecord run, string task, string message, CancellationToken ct);
}
