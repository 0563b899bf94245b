using System.Diagnostics;
using System.Globalization;
using Dativo.Bench.Shipments;

var o = BenchOptions.Parse(args);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"shipments bench: {o.Rows:N0} rows over {o.Days} day(s), best of {o.Repeat}, {Environment.ProcessorCount} cores, dir {o.Dir}"));
Directory.CreateDirectory(o.Dir);
try
{
    if (o.Only is null or "gen") await GeneratorBench.RunAsync(o);
    if (o.Only is null or "parquet" or "csv") await AnalyticsBench.RunAsync(o);
    if (o.Only is null or "lake") await LakeBench.RunAsync(o);
}
finally
{
    if (!o.Keep) Directory.Delete(o.Dir, recursive: true);
}

namespace Dativo.Bench.Shipments
{
    internal sealed record BenchOptions(long Rows, int Days, int Repeat, string Dir, bool Keep, string? Only)
    {
        public static BenchOptions Parse(string[] args)
        {
            long rows = 10_000_000;
            int days = 10, repeat = 2;
            var dir = Path.Combine(Path.GetTempPath(), "dativo-bench-shipments-" + Guid.NewGuid().ToString("N")[..8]);
            var keep = false;
            string? only = null;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "shipments": break;
                    case "--rows": rows = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--days": days = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--repeat": repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--dir": dir = args[++i]; keep = true; break;
                    case "--only": only = args[++i]; break; // gen | parquet | csv | lake
                    default: throw new ArgumentException($"unknown argument {args[i]} (use --rows N --days N --repeat N --dir PATH --only gen|parquet|csv|lake)");
                }
            }
            return new BenchOptions(rows, days, Math.Max(1, repeat), dir, keep, only);
        }
    }

    internal static class Timing
    {
        /// <summary>Best (minimum) wall time of <paramref name="repeat"/> runs.</summary>
        public static async Task<TimeSpan> BestAsync(int repeat, Func<Task> work)
        {
            var best = TimeSpan.MaxValue;
            for (var i = 0; i < repeat; i++)
            {
                GC.Collect();
                var sw = Stopwatch.StartNew();
                await work();
                if (sw.Elapsed < best) best = sw.Elapsed;
            }
            return best;
        }

        public static string Rate(long rows, TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{rows / t.TotalSeconds / 1e6,6:F2} M rows/s ({t.TotalSeconds,6:F2} s)");
    }
}
