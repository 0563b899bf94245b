using Dativo.Lake.Iceberg.Table;
using Parquet;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>Top-level Parquet column names by Iceberg field id, read from the file footer.</summary>
internal static class ParquetFieldIds
{
    public sealed record Columns(IReadOnlyDictionary<int, string> ById, IReadOnlyList<string> Names);

    public static async Task<Columns> ReadAsync(TableIO io, string location, CancellationToken ct)
    {
        await using var s = await io.Store.OpenReadAsync(io.KeyOf(location), ct);
        Stream seekable = s;
        if (!s.CanSeek)
        {
            var ms = new MemoryStream();
            await s.CopyToAsync(ms, ct);
            ms.Position = 0;
            seekable = ms;
        }
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(seekable, null, leaveStreamOpen: true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new UnreadableFileException(location, e);
        }
        await using (reader)
        {
            var byId = new Dictionary<int, string>();
            var names = new List<string>();
            foreach (var f in reader.Schema.Fields)
            {
                names.Add(f.Name);
                if (f.SchemaElement?.FieldId is { } id) byId[id] = f.Name;
            }
            return new Columns(byId, names);
        }
    }
}
