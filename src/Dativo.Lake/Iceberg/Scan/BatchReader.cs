using System.Data.Common;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>Reads DuckDB query results into <see cref="RecordBatch"/>es of the given (flat) schema.</summary>
internal static class BatchReader
{
    public static async IAsyncEnumerable<RecordBatch> ReadAsync(string sql, IcebergSchema schema, int batchRows,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var engine = await DuckDbEngine.OpenAsync(ct: ct);
        await using var result = await engine.OpenReaderAsync(sql, ct);
        var r = result.Reader;
        var types = schema.Columns.Select(f => (PrimitiveType)f.Type).ToArray();
        var buffers = types.Select(_ => new List<object?>(Math.Min(batchRows, 65536))).ToArray();
        while (await r.ReadAsync(ct))
        {
            for (var i = 0; i < types.Length; i++) buffers[i].Add(r.IsDBNull(i) ? null : Read(r, i));
            if (buffers[0].Count >= batchRows)
            {
                yield return Build(schema, types, buffers);
                foreach (var b in buffers) b.Clear();
            }
        }
        if (buffers.Length > 0 && buffers[0].Count > 0) yield return Build(schema, types, buffers);
    }

    private static object? Read(DbDataReader r, int i)
    {
        var v = r.GetValue(i);
        if (v is not Stream s) return v;
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static RecordBatch Build(IcebergSchema schema, PrimitiveType[] types, List<object?>[] buffers) =>
        new(schema, [.. types.Select((t, i) => ResultBatches.Column(t, buffers[i], buffers[i].Count, schema.Columns[i].Name))]);
}
