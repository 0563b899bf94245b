using System.Diagnostics;
using System.Text.RegularExpressions;
using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>
/// A file's fsync makes its bytes durable, not its name: every file a run renames or links into the warehouse (data
/// files, manifests, the table metadata the catalog then points at) must be followed by an fsync of its folder.
/// Observed with strace on a real <c>dativo run</c>.
/// </summary>
public sealed partial class DurableNamesTests
{
    [Theory]
    [InlineData("1")] // data files written in place by DuckDB (the bulk path)
    [InlineData("0")] // data files written by the lake's writer through the object store (temp file, then rename)
    public async Task Every_file_published_into_the_warehouse_is_synced_with_its_folder(string bulk)
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", "id,email,amount,paid,created\n1,u@x.com,1.25,yes,2024-01-01T00:00:00\n2,v@x.com,2.50,no,2024-01-02T00:00:00\n");
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var log = Path.Combine(f.Path, "strace.log");
        var psi = new ProcessStartInfo("strace")
        {
            WorkingDirectory = f.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-f", "-qq", "-o", log, "-e", "trace=openat,fsync,rename,renameat,renameat2,link,linkat", Path.Combine(Repo.Root, "dativo"), "run", "--config", job })
            psi.ArgumentList.Add(a);
        psi.Environment["DATIVO_NO_PROGRESS"] = "1";
        psi.Environment["DATIVO_BULK_LOAD"] = bulk;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, await output + await errors);

        var calls = Calls(File.ReadAllLines(log));
        // DuckDB's staging files (.duckdb/, rewritten by the lake's writer) are never part of the table: they must be gone
        Assert.Empty(Directory.GetDirectories(f.Warehouse, ".duckdb", SearchOption.AllDirectories));
        bool InWarehouse(string path) => path.StartsWith(f.Warehouse + "/", StringComparison.Ordinal) && !path.EndsWith(".dativo-tmp", StringComparison.Ordinal)
            && !path.Contains("/.duckdb/", StringComparison.Ordinal);
        bool Synced(string path, int after) => calls.Any(open => open.Line > after && open.Name == "openat" && open.Paths is [var opened] && opened == path
            && open.Result != "-1" && calls.Any(c => c.Line > open.Line && c.Name == "fsync" && c.Args == open.Result && c.Result == "0"));
        // names given by a rename or link, and files created in place
        var published = calls.Where(c => c.Result == "0" && c.Name is "rename" or "renameat" or "renameat2" or "link" or "linkat" && c.Paths.Count == 2 && InWarehouse(c.Paths[1]))
            .Select(c => (Path: c.Paths[1], c.Line, InPlace: false))
            // (the SQLite catalog next to the tables keeps its own journal and syncs)
            .Concat(calls.Where(c => c.Name == "openat" && c.Args.Contains("O_CREAT", StringComparison.Ordinal) && c.Paths is [var created] && InWarehouse(created)
                                     && (created.Contains("/data/", StringComparison.Ordinal) || created.Contains("/metadata/", StringComparison.Ordinal)))
                .Select(c => (Path: c.Paths[0], c.Line, InPlace: true)))
            .ToList();
        Assert.Contains(published, x => x.Path.EndsWith(".metadata.json", StringComparison.Ordinal));
        Assert.Contains(published, x => x.Path.EndsWith(".parquet", StringComparison.Ordinal));
        foreach (var (path, line, inPlace) in published)
        {
            Assert.True(Synced(Path.GetDirectoryName(path)!, line), $"{path} was published without a sync of its folder");
            if (inPlace) Assert.True(Synced(path, line), $"{path} was written in place and never synced");
        }
    }

    private sealed record Call(int Line, string Pid, string Name, string Args, List<string> Paths, string Result);

    // strace -f lines: "PID name(args) = result", or split in "<unfinished ...>" / "<... name resumed>" halves
    private static List<Call> Calls(string[] lines)
    {
        var pending = new Dictionary<string, string>();
        var calls = new List<Call>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var m = PidRe().Match(line);
            if (!m.Success) continue;
            var pid = m.Groups[1].Value;
            var rest = m.Groups[2].Value;
            if (rest.EndsWith("<unfinished ...>", StringComparison.Ordinal)) { pending[pid] = rest[..^"<unfinished ...>".Length]; continue; }
            var resumed = ResumedRe().Match(rest);
            if (resumed.Success && pending.Remove(pid, out var head)) rest = head + resumed.Groups[1].Value;
            var call = CallRe().Match(rest);
            if (!call.Success) continue;
            var args = call.Groups[2].Value;
            calls.Add(new Call(i, pid, call.Groups[1].Value, args, [.. PathRe().Matches(args).Select(x => x.Groups[1].Value)], call.Groups[3].Value));
        }
        return calls;
    }

    [GeneratedRegex(@"^(\d+)\s+(.*)$")]
    private static partial Regex PidRe();

    [GeneratedRegex(@"^<\.\.\. \w+ resumed>(.*)$")]
    private static partial Regex ResumedRe();

    [GeneratedRegex(@"^(\w+)\((.*)\)\s+=\s+(-?\d+)")]
    private static partial Regex CallRe();

    [GeneratedRegex("\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex PathRe();
}
