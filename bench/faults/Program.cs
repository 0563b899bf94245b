using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

// Fault suite (docs/guarantees.md): kills `dativo` at random moments and at named commit points, then checks what the
// guarantees promise — the table opens, holds each row at most once, a clean re-run makes it exactly once, the job
// state agrees with the data (the run after reports no new data), and no process started for the run is left.
var dativo = args.Length > 0 ? Path.GetFullPath(args[0]) : throw new ArgumentException("usage: faults <path to ./dativo> [kills per kind] [seed] [kinds, e.g. run,compact,expire,pipeline run]");
var perKind = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var rnd = new Random(args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7);
var suite = new Suite(dativo, rnd);
var rows = new List<(string Kind, int Kills, int KilledMidway, int Violations)>();
string[] kinds = args.Length > 3 ? args[3].Split(',') : ["run", "compact", "expire", "pipeline run"];
foreach (var kind in kinds)
{
    var (kills, midway, violations) = await suite.RunKindAsync(kind, perKind);
    rows.Add((kind, kills, midway, violations));
}
Console.WriteLine();
Console.WriteLine("| command | SIGKILLs | killed before it finished | invariant violations |");
Console.WriteLine("|---|---|---|---|");
foreach (var r in rows) Console.WriteLine($"| {r.Kind} | {r.Kills} | {r.KilledMidway} | {r.Violations} |");
return rows.Sum(r => r.Violations) == 0 ? 0 : 1;

internal sealed class Suite(string dativo, Random rnd)
{
    private const int Files = 6, RowsPerFile = 20_000;
    private static readonly string[] CommitPoints = ["ingest.before-commit", "lake.before-swap", "lake.after-swap", "ingest.after-commit"];

    public async Task<(int Kills, int Midway, int Violations)> RunKindAsync(string kind, int count)
    {
        int midway = 0, violations = 0;
        for (var i = 0; i < count; i++)
        {
            var dir = Directory.CreateTempSubdirectory("dativo-faults-").FullName;
            try
            {
                Setup(dir);
                if (kind is "compact" or "expire") await PrepareSmallFilesAsync(dir);
                var (killed, what) = await KillOnceAsync(dir, kind);
                if (killed) midway++;
                var problems = await CheckAsync(dir, kind);
                violations += problems.Count;
                Console.WriteLine($"{kind,-12} #{i + 1,-3} {what,-34} {(problems.Count == 0 ? "ok" : "VIOLATION: " + string.Join("; ", problems))}");
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        return (count, midway, violations);
    }

    private static void Setup(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        for (var f = 0; f < Files; f++)
        {
            var sb = new StringBuilder("id,label\n");
            for (var r = 0; r < RowsPerFile; r++) sb.Append(f * RowsPerFile + r).Append(",label-").Append(r % 97).Append('\n');
            File.WriteAllText(Path.Combine(dir, "data", $"part-{f}.csv"), sb.ToString());
        }
        File.WriteAllText(Path.Combine(dir, "contract.yaml"), """
            apiVersion: v3.0.2
            kind: DataContract
            name: events
            version: "1.0"
            domain: faults
            schema:
              - {name: id, type: bigint, required: true}
              - {name: label, type: string}
            team:
              owner: data@example.com
            """);
        File.WriteAllText(Path.Combine(dir, "job.yaml"), """
            tenant_id: acme
            source_connector: csv
            target_connector: iceberg
            asset: events
            asset_path: contract.yaml
            source:
              files:
                - path: data/*.csv
            """);
        File.WriteAllText(Path.Combine(dir, "pipeline.yaml"), """
            name: faults
            tasks:
              - name: load
                type: job
                job: job.yaml
              - name: after
                type: command
                depends_on: [load]
                command: [sh, -c, "sleep 1; echo done > after.txt"]
            """);
    }

    /// <summary>Loads the files one commit each (many small files and snapshots) for compaction and expiry to work on.</summary>
    private async Task PrepareSmallFilesAsync(string dir)
    {
        var staged = Path.Combine(dir, "staged");
        Directory.Move(Path.Combine(dir, "data"), staged);
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        foreach (var f in Directory.GetFiles(staged).Order(StringComparer.Ordinal))
        {
            File.Move(f, Path.Combine(dir, "data", Path.GetFileName(f)));
            var r = await RunAsync(dir, ["run", "--config", "job.yaml"]);
            if (r.Code != 0) throw new InvalidOperationException("setup run failed: " + r.Output);
        }
    }

    private async Task<(bool Killed, string What)> KillOnceAsync(string dir, string kind)
    {
        string[] argv = kind switch
        {
            "run" => ["run", "--config", "job.yaml"],
            "compact" => ["table", "compact", "faults.events"],
            "expire" => ["table", "expire", "faults.events", "--older-than", "0s", "--retain-last", "1"],
            _ => ["pipeline", "run", "pipeline.yaml", "--correlation-id", "faults"],
        };
        var env = new Dictionary<string, string>();
        string what;
        var atPoint = kind is "run" or "pipeline run" && rnd.Next(3) == 0;
        // maintenance of a small table is quick (expire ~0.35 s, compact ~1 s, start-up included): kill it sooner
        var delay = TimeSpan.FromMilliseconds(kind switch { "expire" => rnd.Next(100, 350), "compact" => rnd.Next(300, 900), _ => rnd.Next(50, 2500) });
        if (atPoint)
        {
            var point = CommitPoints[rnd.Next(CommitPoints.Length)];
            env["DATIVO_FAULTS"] = point + "=kill";
            what = "kill at " + point;
        }
        else what = $"kill after {delay.TotalMilliseconds:0} ms";
        using var p = Start(dir, argv, env);
        var output = Task.WhenAll(p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
        var exited = atPoint ? await WaitAsync(p, TimeSpan.FromMinutes(3)) : await WaitAsync(p, delay);
        if (!exited) { Kill(p.Id); await p.WaitForExitAsync(); }
        await output;
        return (atPoint ? p.ExitCode == 137 || !exited : !exited, what);
    }

    private async Task<List<string>> CheckAsync(string dir, string kind)
    {
        var problems = new List<string>();
        var expected = (long)Files * RowsPerFile;
        var (n, distinct, opened) = await CountAsync(dir);
        if (!opened && kind != "run" && kind != "pipeline run") problems.Add("table does not open after the kill");
        if (opened && n != distinct) problems.Add($"duplicates after the kill: {n} rows, {distinct} distinct");
        if (kind is "compact" or "expire" && n != expected) problems.Add($"maintenance changed the rows: {n} of {expected}");

        // recover: the same command as an operator would (resume for pipelines), then the job again
        var recover = kind == "pipeline run"
            ? await RunAsync(dir, ["pipeline", "run", "pipeline.yaml", "--correlation-id", "faults"])
            : await RunAsync(dir, ["run", "--config", "job.yaml"]);
        if (recover.Code != 0) problems.Add($"recovery exited {recover.Code}: {Last(recover.Output)}");
        (n, distinct, opened) = await CountAsync(dir);
        if (!opened) problems.Add("table does not open after recovery");
        else if (n != expected || distinct != expected) problems.Add($"after recovery {n} rows ({distinct} distinct), expected {expected}");
        var again = await RunAsync(dir, ["run", "--config", "job.yaml"]);
        if (again.Code != 0 || !again.Output.Contains("no new data", StringComparison.Ordinal))
            problems.Add("the job state disagrees with the table: a further run found new data");
        if (kind == "pipeline run" && !File.Exists(Path.Combine(dir, "after.txt"))) problems.Add("the resumed pipeline did not run its last task");
        var leftovers = ProcessesIn(dir);
        if (leftovers.Count > 0) problems.Add($"processes left running in the folder: {string.Join(", ", leftovers)}");
        return problems;
    }

    private async Task<(long Rows, long Distinct, bool Opened)> CountAsync(string dir)
    {
        var r = await RunAsync(dir, ["table", "query", "faults.events", "--sql", "SELECT count(*) AS n, count(DISTINCT id) AS d FROM t", "--json"]);
        if (r.Code != 0) return (0, 0, false);
        var json = r.Output[r.Output.IndexOf('[', StringComparison.Ordinal)..(r.Output.LastIndexOf(']') + 1)];
        var row = JsonNode.Parse(json)!.AsArray()[0]!;
        return ((long)row["n"]!, (long)row["d"]!, true);
    }

    private static string Last(string s) => s.Length > 300 ? s[^300..] : s;

    /// <summary>Processes whose working directory is inside the test folder (children a killed run left behind).</summary>
    private static List<string> ProcessesIn(string dir)
    {
        var found = new List<string>();
        foreach (var d in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var cwd = new DirectoryInfo(Path.Combine(d, "cwd")).LinkTarget;
                if (cwd is not null && (cwd == dir || cwd.StartsWith(dir + "/", StringComparison.Ordinal)))
                    found.Add($"{pid} {File.ReadAllText(Path.Combine(d, "comm")).Trim()}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    private Process Start(string dir, string[] argv, Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(dativo) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv) psi.ArgumentList.Add(a);
        psi.Environment["DATIVO_NO_PROGRESS"] = "1";
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    private async Task<(int Code, string Output)> RunAsync(string dir, string[] argv)
    {
        using var p = Start(dir, argv);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await o + await e);
    }

    private static async Task<bool> WaitAsync(Process p, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await p.WaitForExitAsync(cts.Token); return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>SIGKILL of the dativo process alone (./dativo execs it): its children must not outlive it by design.</summary>
    private static void Kill(int pid)
    {
        try { Process.GetProcessById(pid).Kill(entireProcessTree: false); } catch (ArgumentException) { } catch (InvalidOperationException) { }
    }
}
