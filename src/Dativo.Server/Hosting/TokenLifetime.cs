using Microsoft.Extensions.Hosting;

namespace Dativo.Server.Hosting;

/// <summary>The host stops only when its owner asks (the CLI's Ctrl-C/SIGTERM token, a test): no second set of signal handlers.</summary>
internal sealed class TokenLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
