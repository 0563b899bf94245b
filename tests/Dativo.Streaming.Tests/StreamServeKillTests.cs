using System.Diagnostics;
using System.Text.Json.Nodes;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Streaming.Tests;

/// <summary>
/// The real <c>dativo stream serve</c> killed with SIGKILL while a stock SDK client streams into it: after a restart,
/// every acknowledged record is delivered with its exact content, and no record is delivered twice.
/// </summary>
public sealed class StreamServeKillTests
{
    private const int Total = 1_000_000;
    private const int KillAfterAcknowledged = 300_000;

    [SkippableFact]
    public async Task Every_acknowledged_record_survives_a_kill_9_and_none_is_delivered_twice()
    {
        Skip.If(FirehoseClient.SkipReason is not null, FirehoseClient.SkipReason);
        using var dir = new TempDir();
        var config = dir.File("stream.yaml", """
            data_dir: data
            auth: none
            streams:
              - name: events
                buffering_size: 1
                buffering_interval: 900
                compression_format: GZIP
                enable_dynamic_partitioning: true
                dynamic_partitioning_config:
                  jq_metadata_query: "{k: .k}"
                  s3_dynamic_prefix: "events/k=!{partitionKeyFromQuery:k}/"
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                  enable_newline_appending: true
                destination:
                  local: {path: lake}
            """);
        var acknowledged = new HashSet<int>();

        using (var server = await StartServeAsync(dir.Path, config))
        {
            using var client = FirehoseClient.Start(new
            {
                mode = "stream", endpoint = server.Endpoint, accessKeyId = "AKID", secretAccessKey = "x", stream = "events",
                total = Total, batch = 500, concurrency = 4, partitions = 100, maxAttempts = 1, stopOnError = true,
            });
            while (await client.StandardOutput.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("ACK ", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ');
                var first = int.Parse(parts[1]);
                for (var i = 0; i < int.Parse(parts[2]); i++) acknowledged.Add(first + i);
                if (acknowledged.Count >= KillAfterAcknowledged && !server.Process.HasExited)
                {
                    server.Process.Kill(); // SIGKILL, with batches in flight
                    await server.Process.WaitForExitAsync();
                }
            }
            await client.WaitForExitAsync();
        }
        Assert.InRange(acknowledged.Count, KillAfterAcknowledged, Total - 1);

        using (var restarted = await StartServeAsync(dir.Path, config))
        {
            // SIGTERM: the service delivers every buffer before it exits
            Assert.Equal(0, ServiceProcesses.Run("kill", ["-TERM", restarted.Process.Id.ToString()]).ExitCode);
            await restarted.Process.WaitForExitAsync();
            Assert.Equal(0, restarted.Process.ExitCode);
        }

        var seen = new Dictionary<int, int>();
        foreach (var (key, text) in StreamTestKit.Objects(Path.Combine(dir.Path, "lake")))
        {
            Assert.StartsWith("events/k=p", key, StringComparison.Ordinal);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var record = JsonNode.Parse(line)!;
                var i = record["i"]!.GetValue<int>();
                Assert.Equal($"{{\"k\":\"p{i % 100}\",\"i\":{i},\"pad\":\"\"}}", line); // the exact bytes sent
                Assert.Equal($"events/k=p{i % 100}/", key[..key.IndexOf('/', 7)] + "/");
                seen[i] = seen.GetValueOrDefault(i) + 1;
            }
        }
        Assert.DoesNotContain(seen, kv => kv.Value > 1);
        Assert.DoesNotContain(acknowledged, i => !seen.ContainsKey(i));
    }

    private sealed record Server(Process Process, string Endpoint) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill();
            Process.Dispose();
        }
    }

    private static async Task<Server> StartServeAsync(string dir, string config)
    {
        var p = CliRunner.Start(dir, ["stream", "serve", "--config", config, "--port", "0"]);
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // the first run publishes the CLI
        var line = await p.StandardOutput.ReadLineAsync(cts.Token);
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
        {
            lock (stderr) Assert.Fail($"dativo stream serve did not start: {line} {stderr}");
        }
        return new Server(p, line!["listening on ".Length..].Split(' ')[0]);
    }
}
