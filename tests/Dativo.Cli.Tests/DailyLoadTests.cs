using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Testing;

namespace Dativo.Cli.Tests;

/// <summary>
/// examples/pipelines/daily_raw_load.yaml (issue #15, seed 003's CYI pattern) through the real <c>./dativo</c>: real files
/// under <c>.local/incoming/cyi/&lt;day&gt;/</c>, the real lake, alerts to a webhook listening on 127.0.0.1.
/// </summary>
public sealed class DailyLoadTests
{
    private static readonly string Pipeline = Repo.Path_("examples", "pipelines", "daily_raw_load.yaml");

    private static string Day(TempDir dir, string day, string name, byte[] content) =>
        WriteAll(dir.File(Path.Combine(".local", "incoming", "cyi", day, name)), content);

    private static string WriteAll(string path, byte[] content)
    {
        File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in entries)
                using (var s = zip.CreateEntry(name).Open()) s.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    private static async Task<CliRunner.Result> Dativo(TempDir dir, IDictionary<string, string>? env, params string[] args)
    {
        var all = new Dictionary<string, string> { ["DAILY_RELAUNCH_BACKOFF"] = "0s", ["DAILY_ALERT_WEBHOOK"] = "http://127.0.0.1:9/none" };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) all[k] = v;
        return await CliRunner.RunAsync(dir.Path, all, args);
    }

    private static async Task<List<string>> RowsAsync(TempDir dir, string sql = "SELECT val || date_str AS r FROM t ORDER BY date_str, r")
    {
        var q = await CliRunner.RunAsync(dir.Path, "table", "query", "cyi.cyi_managed", "--sql", sql, "--json");
        Assert.True(q.ExitCode == 0, q.All);
        return [.. JsonNode.Parse(q.Stdout)!.AsArray().Select(r => (string)r!["r"]!)];
    }

    private static JsonNode Show(CliRunner.Result r)
    {
        Assert.True(r.ExitCode is 0 or 1 or 2, r.All);
        return JsonNode.Parse(r.Stdout)!;
    }

    private static int Attempts(JsonNode run, string task) => run["tasks"]![task]!["attempts"]!.AsArray().Count;

    [Fact]
    public async Task Cyi_fixture_loads_exactly_its_rows_for_the_day_and_a_rerun_of_the_day_leaves_the_same_rows()
    {
        using var dir = new TempDir();
        var input = File.ReadAllBytes(Repo.Fixture("cyi", "cyi_input.json"));
        Day(dir, "2021-04-01", "cyi_input.json.gz", Gzip(input)); // as the original's end-to-end test uploads it
        var lines = Encoding.UTF8.GetString(input).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // export date 2021-04-02 → the day before (the original's run-cyi.sh), through the job task's env (DAILY_STAGING)
        var first = await Dativo(dir, null, "pipeline", "run", Pipeline, "--export-date", "2021-04-02", "--correlation-id", "c1", "--json");
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Equal("SUCCEEDED", (string)Show(first)["status"]!);
        var expected = lines.Select(l => l + "2021-04-01").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, await RowsAsync(dir));
        // the original's expected rows are <line><day> (its CSV shows them without blanks, 'export_date' standing for the day)
        var original = new[] { "cyi_managed_expected1.csv", "cyi_managed_expected2.csv" }
            .SelectMany(f => File.ReadAllLines(Repo.Fixture("cyi", f))).Select(l => l.Replace("export_date", "2021-04-01", StringComparison.Ordinal));
        Assert.Equal(original.Order(StringComparer.Ordinal), (await RowsAsync(dir)).Select(r => r.Replace(" ", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        var second = await Dativo(dir, null, "pipeline", "run", Pipeline, "--export-date", "2021-04-02", "--correlation-id", "c2", "--json");
        Assert.True(second.ExitCode == 0, second.All);
        Assert.Equal(expected, await RowsAsync(dir)); // the day's partition replaced, not appended to
        var outcome = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, ".local", "daily", "outcomes", "2021-04-01.json")))!;
        Assert.Equal(("loaded", "c2", "2"), ((string)outcome["outcome"]!, (string)outcome["correlation_id"]!, (string)outcome["rows_written"]!));

        var metrics = await CliRunner.RunAsync(dir.Path, "runs", "metrics");
        Assert.Contains("dativo_run_status{pipeline=\"daily_raw_load\",correlation_id=\"c1\",export_date=\"2021-04-02\",run_counter=\"1\"} 2", metrics.Stdout);
    }

    [Fact]
    public async Task Three_files_arriving_for_a_day_start_one_run_zip_entries_load_and_an_unsupported_file_is_quarantined_with_an_alert()
    {
        using var dir = new TempDir();
        using var hook = new Webhook();
        Day(dir, "2021-04-01", "a.json", Encoding.UTF8.GetBytes("{\"a\": 1}\n{\"a\": 2}\n"));
        Day(dir, "2021-04-01", "b.zip", Zip(("first.jsonl", "z1\nz2\n"), ("inner/second.txt", "z3\n")));
        Day(dir, "2021-04-01", "c.bin", [0, 1, 2, 3]);
        var env = new Dictionary<string, string>
        {
            ["DAILY_ALERT_WEBHOOK"] = hook.Url,
            ["DAILY_INCOMING"] = Path.Combine(dir.Path, ".local", "incoming"),
            ["DAILY_SETTLE"] = "0s",
            ["DAILY_POLL"] = "200ms",
            ["DAILY_RELAUNCH_BACKOFF"] = "0s",
        };
        using (var scheduler = CliRunner.Start(dir.Path, ["pipeline", "schedule", Pipeline], env))
        {
            _ = scheduler.StandardOutput.ReadToEndAsync();
            _ = scheduler.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(3);
            JsonNode? run = null;
            while (DateTime.UtcNow < deadline)
            {
                var list = await CliRunner.RunAsync(dir.Path, "runs", "list", "--pipeline", "daily_raw_load", "--json");
                run = list.ExitCode == 0 ? JsonNode.Parse(list.Stdout)!.AsArray().FirstOrDefault() : null;
                if (run is not null && (string)run["status"]! is "SUCCEEDED" or "FAILED" or "SKIPPED") break;
                await Task.Delay(200);
            }
            scheduler.Kill();
            await scheduler.WaitForExitAsync();
            Assert.True(run is not null && (string)run["status"]! == "SUCCEEDED", run?.ToJsonString());
        }
        var runs = JsonNode.Parse((await CliRunner.RunAsync(dir.Path, "runs", "list", "--json")).Stdout)!.AsArray();
        Assert.Equal(["daily_raw_load/arrival-2021-04-01"], runs.Select(r => (string)r!["run_id"]!).ToList()); // one run for three files
        // an arrival run processes the day it arrived for, not the day before
        Assert.Equal(["z1", "z2", "z3", "{\"a\": 1}", "{\"a\": 2}"], await RowsAsync(dir, "SELECT val AS r FROM t WHERE date_str = '2021-04-01' ORDER BY r"));
        var quarantine = Path.Combine(dir.Path, ".local", "daily", "quarantine", "2021-04-01");
        Assert.Equal([0, 1, 2, 3], File.ReadAllBytes(Directory.GetFiles(quarantine, "*c.bin").Single()));
        var alert = hook.Received.Select(b => (string)JsonNode.Parse(b)!["text"]!).Single(t => t.Contains("quarantined", StringComparison.Ordinal));
        Assert.Contains("cyi/2021-04-01/c.bin", alert);
        Assert.Contains("unsupported file type '.bin'", alert);
    }

    [Fact]
    public async Task Load_failing_is_relaunched_then_a_rerun_of_the_correlation_id_resumes_at_the_load_and_runs_clear_restarts_at_step_one()
    {
        using var dir = new TempDir();
        Day(dir, "2021-04-01", "x.json", Encoding.UTF8.GetBytes("l1\nl2\n"));
        var faults = new Dictionary<string, string> { ["DATIVO_FAULTS"] = "task.load=fail" };
        var failed = Show(await Dativo(dir, faults, "pipeline", "run", Pipeline, "--export-date", "2021-04-02", "--correlation-id", "r1", "--json"));
        Assert.Equal(("FAILED", "load"), ((string)failed["status"]!, (string)failed["current_step"]!));
        Assert.Equal(2, Attempts(failed, "load")); // relaunched once (max_retries 1), failing both times
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".local", "lake", "cyi")), "nothing committed");
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, ".local", "daily", "staging", "date_str=2021-04-01"), "*.gz")); // step 3 done

        var resumed = Show(await Dativo(dir, null, "pipeline", "run", Pipeline, "--export-date", "2021-04-02", "--correlation-id", "r1", "--json"));
        Assert.Equal(("SUCCEEDED", "load", 2), ((string)resumed["status"]!, (string)resumed["resumed_from"]!, (int)resumed["run_counter"]!));
        foreach (var step in new[] { "clear_staging", "list_files", "normalize" }) Assert.Equal(1, Attempts(resumed, step)); // skipped: not run again
        Assert.Equal(3, Attempts(resumed, "load"));
        Assert.Equal(["l12021-04-01", "l22021-04-01"], await RowsAsync(dir));

        var clear = await CliRunner.RunAsync(dir.Path, "runs", "clear", "daily_raw_load/r1");
        Assert.True(clear.ExitCode == 0, clear.All);
        var fresh = Show(await Dativo(dir, null, "pipeline", "run", Pipeline, "--export-date", "2021-04-02", "--correlation-id", "r1", "--json"));
        Assert.Equal(("SUCCEEDED", 1), ((string)fresh["status"]!, (int)fresh["run_counter"]!));
        Assert.Null(fresh["resumed_from"]);
        var firstStep = fresh["tasks"]!["clear_staging"]!["attempts"]!.AsArray().Single()!;
        Assert.Equal(1, (int)firstStep["run_counter"]!);
        Assert.Equal(["l12021-04-01", "l22021-04-01"], await RowsAsync(dir));
    }

    [Fact]
    public async Task Backfill_over_five_days_with_one_empty_day_writes_four_partitions_and_skips_the_empty_day_with_an_alert()
    {
        using var dir = new TempDir();
        using var hook = new Webhook();
        foreach (var day in new[] { "2021-04-01", "2021-04-02", "2021-04-04", "2021-04-05" })
            Day(dir, day, "part.json", Encoding.UTF8.GetBytes($"line of {day}\n"));
        var r = await Dativo(dir, new Dictionary<string, string> { ["DAILY_ALERT_WEBHOOK"] = hook.Url },
            "pipeline", "run", Pipeline, "--start-date", "2021-04-01", "--export-date", "2021-04-05", "--correlation-id", "bf", "--json");
        Assert.True(r.ExitCode == 0, r.All);
        var parent = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("SUCCEEDED", (string)parent["status"]!);
        var children = parent["children"]!.AsArray().ToDictionary(c => (string)c!["run_id"]!, c => (string)c!["status"]!);
        Assert.Equal("SKIPPED", children["daily_raw_load/bf.2021-04-03"]);
        Assert.Equal(4, children.Values.Count(s => s == "SUCCEEDED"));
        Assert.Equal(["2021-04-01", "2021-04-02", "2021-04-04", "2021-04-05"], await RowsAsync(dir, "SELECT DISTINCT date_str AS r FROM t ORDER BY r"));
        var skipped = hook.Received.Select(b => (string)JsonNode.Parse(b)!["text"]!).Single(t => t.Contains("SKIPPED", StringComparison.Ordinal));
        Assert.Contains("bf.2021-04-03", skipped);
        Assert.Contains(".local/incoming/cyi/2021-04-03/", skipped); // names the prefix that held nothing
        var outcome = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, ".local", "daily", "outcomes", "2021-04-03.json")))!;
        Assert.Equal("skipped", (string)outcome["outcome"]!);
    }

    /// <summary>Receives alert POSTs on 127.0.0.1 (a free port) and answers 200.</summary>
    private sealed class Webhook : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public Webhook()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (true)
                {
                    HttpListenerContext c;
                    try { c = await _listener.GetContextAsync(); } catch (HttpListenerException) { return; } catch (ObjectDisposedException) { return; }
                    using (var reader = new StreamReader(c.Request.InputStream)) Received.Add(await reader.ReadToEndAsync());
                    c.Response.StatusCode = 200;
                    c.Response.Close();
                }
            });
        }

        public string Url { get; }

        public ConcurrentBag<string> Received { get; } = [];

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
