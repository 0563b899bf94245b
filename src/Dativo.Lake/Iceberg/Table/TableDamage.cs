using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>A data or delete file that exists but cannot be read as Parquet.</summary>
internal sealed class UnreadableFileException(string location, Exception inner) : Exception($"{location}: {inner.Message}", inner)
{
    public string Location { get; } = location;
}

/// <summary>Reads a table's own files and turns a missing or unreadable one into a <see cref="DamagedTableException"/> saying how to repair.</summary>
internal static class TableDamage
{
    /// <summary>Reads and parses the metadata file the catalog (or the version hint) designates as current.</summary>
    public static async Task<TableMetadata> ReadCurrentMetadataAsync(TableIO io, string location, string table, bool inCatalog, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            bytes = await io.ReadAllAsync(location, ct);
        }
        catch (ObjectNotFoundException e)
        {
            throw await MetadataDamagedAsync(io, location, table, inCatalog, "is missing", e, ct);
        }
        try
        {
            return TableMetadataJson.Parse(bytes);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw await MetadataDamagedAsync(io, location, table, inCatalog, $"is not valid Iceberg table metadata ({e.Message})", e, ct);
        }
    }

    /// <summary>A manifest list, manifest or data file of a snapshot that is missing (<see cref="ObjectNotFoundException"/>) or unreadable.</summary>
    public static DamagedTableException SnapshotFile(string table, bool inCatalog, string what, string location, Exception e) =>
        SnapshotFile(table, inCatalog, what, location, e is ObjectNotFoundException ? "is missing" : $"cannot be read ({Reason(e)})", e);

    public static DamagedTableException SnapshotFile(string table, bool inCatalog, string what, string location, string problem, Exception? e = null)
    {
        var repair = inCatalog
            ? $"Restore the file from a backup, or make an earlier snapshot whose files are intact current: 'dativo table history {table}' " +
              $"lists the snapshots and 'dativo table rollback {table} --to-snapshot ID' switches to one (after checking its files)"
            : "Restore the file from a backup";
        return new DamagedTableException(table, location,
            $"table {table} is damaged: {what} {location} {problem}. {repair}. Nothing is written to a damaged table.", e);
    }

    private static string Reason(Exception e) => e is UnreadableFileException u ? u.InnerException!.Message : e.Message;

    private static async Task<DamagedTableException> MetadataDamagedAsync(TableIO io, string location, string table, bool inCatalog,
        string problem, Exception e, CancellationToken ct)
    {
        string repair;
        if (!inCatalog)
            repair = "Restore the file from a backup";
        else if (await NewestReadableEarlierAsync(io, location, ct) is { } earlier)
            repair = $"Restore the file from a backup, or make the newest readable earlier version current with " +
                $"'dativo table rollback {table} --to-metadata {earlier}' (changes committed after it are lost)";
        else
            repair = "Restore the file from a backup (no earlier metadata file of the table is readable)";
        return new DamagedTableException(table, location,
            $"table {table} is damaged: its current metadata file {location} {problem}. {repair}. Nothing is written to a damaged table.", e);
    }

    /// <summary>The highest-versioned metadata file next to <paramref name="location"/> that parses, other than it.</summary>
    private static async Task<string?> NewestReadableEarlierAsync(TableIO io, string location, CancellationToken ct)
    {
        try
        {
            var key = io.KeyOf(location);
            var folder = key[..(key.LastIndexOf('/') + 1)];
            var candidates = new List<ObjectInfo>();
            await foreach (var o in io.Store.ListAsync(folder, ct))
                if (o.Key != key && o.Key.EndsWith(".metadata.json", StringComparison.Ordinal) && o.Key.IndexOf('/', folder.Length) < 0)
                    candidates.Add(o);
            foreach (var o in candidates.OrderByDescending(o => TableMetadataJson.VersionOf(o.Key) ?? -1).ThenByDescending(o => o.LastModified).Take(10))
            {
                try
                {
                    TableMetadataJson.Parse(await io.Store.ReadAllBytesAsync(o.Key, ct));
                    return io.UriOf(o.Key);
                }
                catch (Exception inner) when (inner is not OperationCanceledException)
                {
                    // unreadable too: try the next one
                }
            }
        }
        catch (Exception inner) when (inner is not OperationCanceledException)
        {
            // the hint is a courtesy: the error about the current file is what matters
        }
        return null;
    }
}
