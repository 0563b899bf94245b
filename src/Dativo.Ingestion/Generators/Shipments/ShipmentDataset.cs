using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Dativo.Core.Errors;

namespace Dativo.Ingestion.Generators.Shipments;

public enum ShipmentFileFormat
{
    Parquet,
    Csv,
}

/// <summary>What to generate and where.</summary>
/// <param name="Output">
/// A folder (Hive layout: <c>shipment_date=YYYY-MM-DD/part-0.{parquet|csv}</c>, one file per day, days written
/// in parallel) or, when it ends with <c>.parquet</c>/<c>.csv</c>, one single file holding all days in order.
/// </param>
public sealed record ShipmentGenerateOptions(
    DateOnly StartDate, int Days, long RowsPerDay, ulong Seed, string Output, ShipmentFileFormat Format, int? MaxParallelism = null);

public sealed record ShipmentGenerateResult(long Rows, IReadOnlyList<string> Files, TimeSpan Elapsed);

/// <summary>Generates shipments to Parquet or CSV files; each file is written to a temporary name and renamed.</summary>
public static class ShipmentDataset
{
    public static async Task<ShipmentGenerateResult> GenerateAsync(ShipmentGenerateOptions o, TimeProvider time, CancellationToken ct)
    {
        Validate(o);
        var started = time.GetTimestamp();
        var generator = new ShipmentGenerator(o.Seed);
        var days = Enumerable.Range(0, o.Days).Select(o.StartDate.AddDays).ToArray();
        var ext = o.Format == ShipmentFileFormat.Parquet ? ".parquet" : ".csv";
        var files = new List<string>();
        if (o.Output.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
        {
            var file = Path.GetFullPath(o.Output);
            await WriteFileAsync(file, o.Format, Batches(generator, days, o.RowsPerDay, ct), ct).ConfigureAwait(false);
            files.Add(file);
        }
        else
        {
            var root = Path.GetFullPath(o.Output);
            var perDay = days.Select(d => Path.Combine(root, $"shipment_date={d:yyyy-MM-dd}", "part-0" + ext)).ToArray();
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.MaxParallelism ?? Environment.ProcessorCount, CancellationToken = ct };
            // Enough days to keep every core busy: no prefetch inside a day (less memory in flight).
            var prefetch = days.Length < parallel.MaxDegreeOfParallelism;
            await Parallel.ForEachAsync(Enumerable.Range(0, days.Length), parallel, async (i, token) =>
            {
                var batches = prefetch ? Batches(generator, [days[i]], o.RowsPerDay, token) : Sequential(generator, days[i], o.RowsPerDay, token);
                await WriteFileAsync(perDay[i], o.Format, batches, token).ConfigureAwait(false);
            }).ConfigureAwait(false);
            files.AddRange(perDay);
        }
        return new ShipmentGenerateResult(o.RowsPerDay * o.Days, files, time.GetElapsedTime(started));
    }

    private static void Validate(ShipmentGenerateOptions o)
    {
        if (o.Days < 1) throw new DativoException($"--days must be at least 1 (got {o.Days})");
        if (o.RowsPerDay < 0) throw new DativoException($"--rows-per-day must not be negative (got {o.RowsPerDay})");
        if (string.IsNullOrWhiteSpace(o.Output)) throw new DativoException("--out must name a folder or a file");
        if (o.StartDate.DayNumber + (long)o.Days > DateOnly.MaxValue.DayNumber - 30) throw new DativoException("--start-date plus --days goes past year 9999");
    }

    private static async IAsyncEnumerable<ShipmentBatch> Sequential(ShipmentGenerator g, DateOnly day, long rowsPerDay, [EnumeratorCancellation] CancellationToken ct)
    {
        for (var c = 0; c < ShipmentGenerator.ChunkCount(rowsPerDay); c++)
        {
            ct.ThrowIfCancellationRequested();
            yield return g.GenerateChunk(day, rowsPerDay, c);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>The batches of <paramref name="days"/> in order; the next chunk is generated on another thread while the current one is written.</summary>
    private static async IAsyncEnumerable<ShipmentBatch> Batches(ShipmentGenerator g, DateOnly[] days, long rowsPerDay, [EnumeratorCancellation] CancellationToken ct)
    {
        var work = days.SelectMany(d => Enumerable.Range(0, ShipmentGenerator.ChunkCount(rowsPerDay)).Select(c => (Day: d, Chunk: c)));
        var channel = Channel.CreateBounded<ShipmentBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct); // ends the producer if the consumer stops early
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var (day, chunk) in work)
                    await channel.Writer.WriteAsync(g.GenerateChunk(day, rowsPerDay, chunk), stop.Token).ConfigureAwait(false);
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, stop.Token);
        try
        {
            await foreach (var b in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                yield return b;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await producer.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    private static async Task WriteFileAsync(string path, ShipmentFileFormat format, IAsyncEnumerable<ShipmentBatch> batches, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                if (format == ShipmentFileFormat.Parquet)
                {
                    await ShipmentParquet.WriteAsync(stream, batches, ct).ConfigureAwait(false);
                }
                else
                {
                    await using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                    ShipmentCsv.WriteHeader(w);
                    await foreach (var b in batches.WithCancellation(ct).ConfigureAwait(false))
                        ShipmentCsv.WriteRows(w, b, ct);
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DativoException($"{path}: cannot write ({ex.Message})", inner: ex);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
