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
            for (var i = 0; i < types.Length; i++) buffers[i].Add(r.IsDBNull(i) ? null : Read(r, i, types[i]));
            if (buffers[0].Count >= batchRows)
            {
                yield return Build(schema, types, buffers);
                foreach (var b in buffers) b.Clear();
            }
        }
        if (buffers.Length > 0 && buffers[0].Count > 0) yield return Build(schema, types, buffers);
    }

    private static object? Read(DbDataReader r, int i, PrimitiveType t)
    {
        var v = r.GetValue(i);
        if (v is Stream s)
        {
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            v = ms.ToArray();
        }
        return Conversions.Normalize(t, v);
    }

    private static RecordBatch Build(IcebergSchema schema, PrimitiveType[] types, List<object?>[] buffers)
    {
        var cols = new Array[types.Length];
        for (var i = 0; i < types.Length; i++)
        {
            var n = buffers[i].Count;
            var vals = buffers[i];
            cols[i] = types[i].Id switch
            {
                TypeId.Boolean => vals.Select(v => (bool?)v).ToArray(),
                TypeId.Int => vals.Select(v => v is null ? (int?)null : Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                TypeId.Long => vals.Select(v => v is null ? (long?)null : Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                TypeId.Float => vals.Select(v => v is null ? (float?)null : Convert.ToSingle(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                TypeId.Double => vals.Select(v => v is null ? (double?)null : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                TypeId.Decimal => vals.Select(v => (decimal?)v).ToArray(),
                TypeId.Date => vals.Select(v => v is null ? (DateOnly?)null : Conversions.DateFromDays((int)v)).ToArray(),
                TypeId.Time => vals.Select(v => v is null ? (TimeOnly?)null : new TimeOnly((long)v * 10)).ToArray(),
                TypeId.Timestamp or TypeId.TimestampTz => vals.Select(v => v is null ? (DateTime?)null : Conversions.DateTimeFromMicros((long)v)).ToArray(),
                TypeId.Uuid => vals.Select(v => (Guid?)v).ToArray(),
                TypeId.String => vals.Select(v => (string?)v).ToArray(),
                _ => (Array)vals.Select(v => (byte[]?)v).ToArray(),
            };
            _ = n;
        }
        return new RecordBatch(schema, cols);
    }
}
