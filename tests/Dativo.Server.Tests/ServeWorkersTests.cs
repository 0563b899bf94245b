using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dativo.Lake.State;
using Dativo.Orchestration.Runs;
using Dativo.Testing;

namespace Dativo.Server.Tests;

/// <summary><c>dativo serve --workers</c>: a run triggered through the API is queued and run by the workers sharing the state store.</summary>
public sealed class ServeWorkersTests
{
    [Fact]
    public async Task A_run_triggered_through_the_api_is_queued_and_run_by_the_server_worker_and_a_worker_process()
    {
        using var dir = new TempDir();
        var marks = Directory.CreateDirectory(Path.Combine(dir.Path, "marks")).FullName;
        dir.File("pipelines/fan.yaml", $$$"""
            name: fan
            tasks:
              - name: work
                type: command
                concurrency: 2
                foreach: {sources: [{values: [a, b, c, d, e, f]}]}
                env: {D: "{{ dataset }}"}
                command: [bash, -c, 'echo done >> {{{marks}}}/$D']
            """);
        var state = Path.Combine(dir.Path, "state.db");
        using var serve = CliRunner.Start(dir.Path, ["serve", "--workers", "--urls", "http://127.0.0.1:0", "--no-schedule", "--state", state, "--pipelines", "pipelines"]);
        using var worker = CliRunner.Start(dir.Path, ["worker", "--state", state, "--lease", "3s"]);
        _ = worker.StandardError.ReadToEndAsync();
        _ = worker.StandardOutput.ReadToEndAsync();
        _ = serve.StandardOutput.ReadToEndAsync();
        try
        {
            var url = await ListeningAsync(serve);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var trigger = await http.PostAsJsonAsync("/api/pipelines/fan/runs", new { correlation_id = "w1" });
            var text = await trigger.Content.ReadAsStringAsync();
            Assert.True(trigger.StatusCode == System.Net.HttpStatusCode.Accepted, text);
            var id = (string)JsonNode.Parse(text)!["run_id"]!;
            Assert.Equal("fan/w1", id);

            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            JsonNode run;
            while (true)
            {
                run = JsonNode.Parse(await http.GetStringAsync("/api/runs/" + Uri.EscapeDataString(id), limit.Token))!;
                if ((string?)run["status"] is "SUCCEEDED" or "FAILED" or "CANCELLED" or "TIMED_OUT") break;
                await Task.Delay(100, limit.Token);
            }
            Assert.True((string?)run["status"] == "SUCCEEDED", run.ToJsonString());
            Assert.All("abcdef", d => Assert.Equal(["done"], File.ReadAllLines(Path.Combine(marks, d.ToString()))));

            var store = new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Uri = state }));
            var record = (await store.GetRunAsync(id, default))!;
            Assert.Contains(record.Owner!.Pid, new[] { serve.Id, worker.Id }); // a worker took it; the API only queued it
            while (await new RunQueue(store.State).ListAsync(default).AnyAsync() && !limit.IsCancellationRequested) await Task.Delay(100, limit.Token);
        }
        finally
        {
            foreach (var p in new[] { serve, worker })
                if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The address <c>dativo serve</c> reports on stderr once it listens.</summary>
    private static async Task<string> ListeningAsync(Process serve)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // the first start may publish the CLI
        var seen = new List<string>();
        while (await serve.StandardError.ReadLineAsync(limit.Token) is { } line)
        {
            seen.Add(line);
            const string marker = "listening on ";
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                _ = serve.StandardError.ReadToEndAsync(CancellationToken.None); // keep draining
                return line[(at + marker.Length)..].Split(' ')[0];
            }
        }
        throw new InvalidOperationException("serve ended before it listened:\n" + string.Join("\n", seen));
    }
}
