using System.Runtime.CompilerServices;
using Dativo.Ingestion.Records;
using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>Parquet files through DuckDB's reader (any encoding/compression Parquet writers produce), typed values out.</summary>
internal static class ParquetFileReader
{
    public static async IAsyncEnumerable<RawBatch> ReadAsync(SourceFileRef f, int batchRows, [EnumeratorCancellation] CancellationToken ct)
    {
        var local = f.Path;
        string? temp = null;
        if (f.Path.Contains("://", StringComparison.Ordinal))
        {
            temp = Path.Combine(Path.GetTempPath(), "dativo-" + Guid.NewGuid().ToString("N") + ".parquet");
            await using (var src = await f.Store.OpenReadAsync(f.Key, ct).ConfigureAwait(false))
            await using (var dst = File.Create(temp))
                await src.CopyToAsync(dst, ct).ConfigureAwait(false);
            local = temp;
        }
        try
        {
            await using var engine = await DuckDbEngine.OpenAsync(ct: ct).ConfigureAwait(false);
            var literal = SqlText.Literal(local);
            var total = Convert.ToInt64(await engine.ScalarAsync($"SELECT CAST(coalesce(sum(num_rows), 0) AS BIGINT) FROM parquet_file_metadata({literal})", ct).ConfigureAwait(false),
                System.Globalization.CultureInfo.InvariantCulture);
            await using var result = await engine.OpenReaderAsync($"SELECT * FROM read_parquet({literal})", ct).ConfigureAwait(false); // streamed
            var r = result.Reader;
            var names = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
            long row = 0;
            while (true)
            {
                var cols = new object?[names.Count][];
                for (var c = 0; c < cols.Length; c++) cols[c] = new object?[batchRows];
                var pos = new long[batchRows];
                var n = 0;
                while (n < batchRows && await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    for (var c = 0; c < cols.Length; c++) cols[c][n] = r.IsDBNull(c) ? null : Normalize(r.GetValue(c));
                    pos[n++] = ++row;
                }
                if (n == 0) yield break;
                yield return new RawBatch(names, cols, pos, n, f.Path) { Bytes = BytesUpTo(f.Size, row, total) - BytesUpTo(f.Size, row - n, total) };
                if (n < batchRows) yield break;
            }
        }
        finally
        {
            if (temp is not null) File.Delete(temp);
        }
    }

    // the file's bytes shared out by rows, so the batches of a file add up to its size (progress)
    private static long BytesUpTo(long size, long rows, long total) =>
        total <= 0 || rows >= total ? (rows > 0 ? size : 0) : (long)((double)size * rows / total);

    private static object Normalize(object v) => v switch
    {
        System.Numerics.BigInteger b => (decimal)b,
        DuckDB.NET.Native.DuckDBDateOnly d => new DateOnly(d.Year, d.Month, d.Day),
        _ => v,
    };
}
