using System.CommandLine;
using Dativo.Streaming.Config;
using Dativo.Streaming.Hosting;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo stream serve --config FILE [--port P]</c>: the Firehose-compatible delivery service, until Ctrl-C / SIGTERM.</summary>
internal static class StreamServeCommand
{
    public static Command Create(CliContext ctx)
    {
        var config = StreamConfigCommands.ConfigOption();
        var port = new Option<int?>("--port") { Description = "TCP port (default: the file's port; 0 picks a free one)" };
        var serve = new Command("serve", "Run the Firehose-compatible delivery service for the file's streams") { config, port };
        serve.SetAction(async (pr, ct) =>
        {
            var loaded = StreamConfigLoader.Load(pr.GetValue(config)!.FullName, ctx.Env);
            foreach (var w in loaded.Warnings) await ctx.Err.WriteLineAsync(w.ToString()).ConfigureAwait(false);
            var settings = StreamServiceMapping.ToServiceSettings(loaded, pr.GetValue(port));
            await using var service = new StreamingService(settings, ctx.Time) { Log = m => ctx.Err.WriteLine(m) };
            await service.StartAsync(ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync($"listening on {service.Endpoint} ({string.Join(", ", service.Streams.Keys)})").ConfigureAwait(false);
            await ctx.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await service.StopAsync().ConfigureAwait(false);
            await ctx.Out.WriteLineAsync("stopped: every acknowledged record is delivered").ConfigureAwait(false);
            return 0;
        });
        return serve;
    }
}
