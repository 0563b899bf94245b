using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Tests;

/// <summary>200 command items: some fail, some hang past the timeout, the rest succeed.</summary>
public sealed class FanOutTests
{
    private const int Items = 200;
    private const int Concurrency = 12;

    private static string Kind(int i) => (i % 10) switch { 3 => "fail", 7 => "hang", _ => "ok" };

    [Fact]
    public async Task Summary_is_exact_concurrency_is_kept_and_retry_reruns_only_failures()
    {
        using var h = new EngineHarness();
        var marks = Directory.CreateDirectory(Path.Combine(h.Dir.Path, "marks")).FullName;
        var list = string.Join(",", Enumerable.Range(0, Items).Select(i => $"\"{Kind(i)}-{i:D3}\""));
        h.Dir.File("datasets.json", $"[{list}]");
        // Each item stamps its own start and end (nanoseconds); a hanging item is killed, so its end comes from the attempt record.
        var script = """
            d="$1"; m="MARKS/$d"
            echo "start $(date +%s%N)" >> "$m"
            case "$d" in
              fail-*) [ -f MARKS/fixed ] || { echo "end $(date +%s%N)" >> "$m"; echo "boom $d" >&2; exit 3; } ;;
              hang-*) [ -f MARKS/fixed ] || sleep 60 ;;
            esac
            echo "end $(date +%s%N)" >> "$m"
            echo "dataset=$d" >> "$DATIVO_OUTPUT"
            """.Replace("MARKS", marks, StringComparison.Ordinal);
        h.Dir.File("item.sh", script);
        var p = h.Load($$$"""
            name: fan
            tasks:
              - name: process
                type: command
                foreach: {sources: [{file: datasets.json}]}
                concurrency: {{{Concurrency}}}
                timeout: 6s
                command: [bash, item.sh, "{{ dataset }}"]
              - name: summarize
                type: command
                depends_on: [process]
                trigger_rule: all_done
                env: {SUMMARY: "{{ outputs.process.summary }}"}
                command: [bash, -c, 'printf "%s" "$SUMMARY" > summary.json']
            """);

        var run = await h.RunAsync(p, "c1");
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(RunStatus.Failed, run.Tasks["process"].Status);
        Assert.Equal(RunStatus.Succeeded, run.Tasks["summarize"].Status);

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(h.Dir.Path, "summary.json")))!;
        Assert.Equal(Items, (int)summary["total"]!);
        Assert.Equal(160, (int)summary["succeeded"]!);
        Assert.Equal(20, (int)summary["failed"]!);
        Assert.Equal(20, (int)summary["timed_out"]!);
        Assert.Equal(0, (int)summary["cancelled"]!);
        var items = summary["items"]!.AsArray();
        for (var i = 0; i < Items; i++)
        {
            var item = items[i]!;
            Assert.Equal($"{Kind(i)}-{i:D3}", (string)item["dataset"]!);
            Assert.Equal(Kind(i) switch { "fail" => "FAILED", "hang" => "TIMED_OUT", _ => "SUCCEEDED" }, (string)item["status"]!);
            Assert.Equal(1, (int)item["attempts"]!);
            if (Kind(i) == "fail") Assert.Contains("exit code 3", (string)item["error"]!);
        }

        // 1:1 pairing: every item's outputs name its own dataset.
        var stored = await h.ItemsAsync(run.RunId, "process");
        foreach (var it in stored.Where(i => i.Status == RunStatus.Succeeded)) Assert.Equal(it.Dataset, it.Outputs["dataset"]);

        // Concurrency, from the items' own start stamps (and the end stamp, or the recorded end of a killed attempt).
        var intervals = new List<(long Start, long End)>();
        foreach (var it in stored)
        {
            var lines = File.ReadAllLines(Path.Combine(marks, it.Dataset!));
            var start = long.Parse(lines.First(l => l.StartsWith("start", StringComparison.Ordinal))[6..], CultureInfo.InvariantCulture);
            var endLine = lines.FirstOrDefault(l => l.StartsWith("end", StringComparison.Ordinal));
            var end = endLine is not null ? long.Parse(endLine[4..], CultureInfo.InvariantCulture) : it.Attempts[0].EndedAt!.Value.ToUnixTimeMilliseconds() * 1_000_000;
            intervals.Add((start, end));
        }
        Assert.InRange(MaxOverlap(intervals), 2, Concurrency);

        // Retry: same correlation id re-runs only the 40 failures.
        File.WriteAllText(Path.Combine(marks, "fixed"), "");
        var again = await h.RunAsync(p, "c1");
        Assert.Equal(RunStatus.Succeeded, again.Status);
        Assert.Equal(2, again.RunCounter);
        foreach (var it in await h.ItemsAsync(run.RunId, "process"))
        {
            var starts = File.ReadAllLines(Path.Combine(marks, it.Dataset!)).Count(l => l.StartsWith("start", StringComparison.Ordinal));
            Assert.Equal(Kind(it.Index) == "ok" ? 1 : 2, starts);
            Assert.Equal(RunStatus.Succeeded, it.Status);
        }
        var final = JsonNode.Parse(File.ReadAllText(Path.Combine(h.Dir.Path, "summary.json")))!;
        Assert.Equal(Items, (int)final["succeeded"]!);
    }

    private static int MaxOverlap(List<(long Start, long End)> intervals)
    {
        var events = intervals.SelectMany(i => new[] { (i.Start, 1), (i.End, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2);
        int cur = 0, max = 0;
        foreach (var (_, d) in events) max = Math.Max(max, cur += d);
        return max;
    }
}
