using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Ingestion.Targets;

/// <summary>Splits a batch by partition tuple (Iceberg transforms on the partition source columns).</summary>
internal sealed class PartitionSplitter
{
    private readonly PartitionSpec _spec;
    private readonly IcebergSchema _ice;
    private readonly int[] _sources;
    private readonly PrimitiveType[] _types;
    private readonly bool _constant;

    public PartitionSplitter(TargetSchema schema, IcebergSchema ice, PartitionSpec spec)
    {
        _spec = spec;
        _ice = ice;
        _sources = [.. spec.Fields.Select(f => schema.IndexOf(ice.Field(f.SourceId).Name))];
        _types = [.. spec.Fields.Select(f => PartitionSpec.SourceType(ice, f))];
        // Generated columns (ingest_date) hold one value per run: the whole batch is one partition.
        _constant = _sources.All(i => i >= 0 && schema.Columns[i].Generated);
    }

    public IEnumerable<(object?[] Values, string Path, ColumnBatch Batch)> Split(ColumnBatch b)
    {
        if (b.Count == 0) yield break;
        if (_spec.Fields.Count == 0) { yield return ([], "", b); yield break; }
        if (_constant)
        {
            var v = Values(b, 0);
            yield return (v, _spec.PartitionPath(_ice, v), b);
            yield break;
        }
        var groups = new Dictionary<string, (object?[] Values, List<int> Rows)>(StringComparer.Ordinal);
        for (var r = 0; r < b.Count; r++)
        {
            var v = Values(b, r);
            var path = _spec.PartitionPath(_ice, v);
            if (!groups.TryGetValue(path, out var g)) groups[path] = g = (v, []);
            g.Rows.Add(r);
        }
        if (groups.Count == 1)
        {
            var (path, g) = groups.First();
            yield return (g.Values, path, b);
            yield break;
        }
        foreach (var (path, g) in groups) yield return (g.Values, path, Take(b, g.Rows));
    }

    private object?[] Values(ColumnBatch b, int row)
    {
        var values = new object?[_sources.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var raw = _sources[i] < 0 ? null : b.Get(_sources[i], row);
            values[i] = _spec.Fields[i].Transform.Apply(_types[i], Conversions.Normalize(_types[i], raw is TimeSpan ts ? TimeOnly.FromTimeSpan(ts) : raw));
        }
        return values;
    }

    private static ColumnBatch Take(ColumnBatch b, List<int> rows)
    {
        var o = new ColumnBatch(b.Schema, rows.Count);
        for (var c = 0; c < b.Data.Length; c++)
            for (var k = 0; k < rows.Count; k++) Array.Copy(b.Data[c], rows[k], o.Data[c], k, 1);
        o.Count = rows.Count;
        return o;
    }
}
