using System.Globalization;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Engine;

/// <summary>
/// The Iceberg metrics of a Parquet file DuckDB wrote, read from its footer with <c>parquet_metadata()</c>: value and
/// null counts, column sizes, lower/upper bounds (from the row groups' exact min/max statistics, truncated like the
/// lake's own writer does) and split offsets. A bound DuckDB did not record exactly is left out (bounds are optional).
/// </summary>
internal static class DuckDbParquetMetrics
{
    public static async Task<DataFile> DescribeAsync(DuckDbEngine engine, string path, string uri, IcebergSchema schema, CancellationToken ct)
    {
        var meta = await engine.QueryAsync(
            "SELECT row_group_id, row_group_num_rows, path_in_schema, num_values, stats_null_count, stats_min_value, stats_max_value, " +
            "min_is_exact, max_is_exact, total_compressed_size, coalesce(least(dictionary_page_offset, data_page_offset), data_page_offset) " +
            $"FROM parquet_metadata({SqlText.Literal(path)}) ORDER BY row_group_id, column_id", ct: ct).ConfigureAwait(false);
        // the file's columns carry the Parquet names of the fields (DuckDbDataFiles writes them so)
        var columns = schema.Columns.Where(c => c.Type is PrimitiveType).ToDictionary(c => CompatibleNames.Parquet(c.Name), c => c, StringComparer.Ordinal);
        var stats = new Dictionary<int, ColumnStats>();
        var values = new Dictionary<int, long>();
        var nulls = new Dictionary<int, long>();
        var sizes = new Dictionary<int, long>();
        var noLower = new HashSet<int>();
        var noUpper = new HashSet<int>();
        var nullsUnknown = new HashSet<int>();
        var splits = new SortedDictionary<long, long>();
        var groupRows = new Dictionary<long, long>();
        foreach (var row in meta.Rows)
        {
            var group = Long(row[0]);
            var offset = Long(row[10]);
            if (!splits.TryGetValue(group, out var first) || offset < first) splits[group] = offset;
            groupRows[group] = Long(row[1]);
            if (row[2] is not string name || !columns.TryGetValue(name, out var field)) continue;
            var id = field.Id;
            values[id] = values.GetValueOrDefault(id) + Long(row[3]);
            sizes[id] = sizes.GetValueOrDefault(id) + Long(row[9]);
            if (row[4] is null) nullsUnknown.Add(id); // unknown in one row group: unknown for the file
            else nulls[id] = nulls.GetValueOrDefault(id) + Long(row[4]);
            var type = (PrimitiveType)field.Type;
            if (!stats.TryGetValue(id, out var s)) stats[id] = s = new ColumnStats(type);
            var all = Long(row[1]);
            var nullsHere = row[4] is null ? -1 : Long(row[4]);
            if (nullsHere == all) continue; // only nulls: no min/max to merge
            var lo = row[7] is true ? Parse(type, row[5] as string) : null;
            var hi = row[8] is true ? Parse(type, row[6] as string) : null;
            if (lo is null) noLower.Add(id);
            if (hi is null) noUpper.Add(id);
            s.Observe(lo, hi);
        }
        foreach (var id in nullsUnknown) nulls.Remove(id);
        var lower = new Dictionary<int, byte[]>();
        var upper = new Dictionary<int, byte[]>();
        foreach (var (id, s) in stats)
        {
            if (!noLower.Contains(id) && s.LowerBound() is { } l) lower[id] = l;
            if (!noUpper.Contains(id) && s.UpperBound() is { } u) upper[id] = u;
        }
        return new DataFile
        {
            FilePath = uri,
            FileFormat = "parquet",
            RecordCount = groupRows.Values.Sum(),
            FileSizeInBytes = new FileInfo(path).Length,
            ColumnSizes = sizes,
            ValueCounts = values,
            NullValueCounts = nulls,
            LowerBounds = lower,
            UpperBounds = upper,
            SplitOffsets = [.. splits.Values],
            SortOrderId = 0,
        };
    }

    /// <summary>A statistics value as DuckDB prints it, in <see cref="Conversions"/> form; null when it cannot be a bound.</summary>
    internal static object? Parse(PrimitiveType type, string? text)
    {
        if (text is null) return null;
        var inv = CultureInfo.InvariantCulture;
        switch (type.Id)
        {
            case TypeId.Boolean: return bool.TryParse(text, out var b) ? b : null;
            case TypeId.Int: return int.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var i) ? i : null;
            case TypeId.Long: return long.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var l) ? l : null;
            case TypeId.Float: return float.TryParse(text, NumberStyles.Float, inv, out var f) && float.IsFinite(f) ? f : null;
            case TypeId.Double: return double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d) ? d : null;
            case TypeId.Decimal: return decimal.TryParse(text, NumberStyles.Number, inv, out var m) && m.Scale <= type.Scale ? m : null;
            case TypeId.Date:
                return DateOnly.TryParseExact(text, "yyyy-MM-dd", inv, DateTimeStyles.None, out var date)
                    ? date.DayNumber - Conversions.Epoch.DayNumber : null;
            case TypeId.Timestamp or TypeId.TimestampTz:
                var t = text.EndsWith("+00", StringComparison.Ordinal) ? text[..^3] : text;
                return DateTime.TryParseExact(t, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF"], inv,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var ts)
                    ? Conversions.MicrosFromEpoch(DateTime.SpecifyKind(ts, DateTimeKind.Utc)) : null;
            case TypeId.String: return text;
            default: return null; // time, uuid, binary: no bounds from text statistics
        }
    }

    private static long Long(object? v) => v switch
    {
        null => 0,
        long l => l,
        System.Numerics.BigInteger b => (long)b,
        _ => Convert.ToInt64(v, CultureInfo.InvariantCulture),
    };
}
