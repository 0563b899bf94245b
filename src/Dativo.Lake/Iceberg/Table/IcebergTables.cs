using System.Text;
using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>Options for <see cref="IcebergTables.CreateAsync"/>.</summary>
public sealed record CreateTableOptions
{
    public PartitionSpec? PartitionSpec { get; init; }
    public SortOrder? SortOrder { get; init; }
    public IReadOnlyDictionary<string, string>? Properties { get; init; }
    /// <summary>Table location; defaults to <c>&lt;warehouse&gt;/&lt;namespace&gt;/&lt;table&gt;</c> in the store.</summary>
    public string? Location { get; init; }
    public TimeProvider? Time { get; init; }
}

/// <summary>
/// <see cref="IcebergTables.CreateAsync"/> found the table registered (possibly by a process that created it at the same
/// moment): open it instead.
/// </summary>
public sealed class TableAlreadyExistsException(TableIdentifier table, string catalog)
    : DativoException($"table {table} already exists in catalog '{catalog}'")
{
    public TableIdentifier Table { get; } = table;
}

/// <summary>Entry points: create, open (through a catalog, or read-only from a location), drop.</summary>
public static class IcebergTables
{
    public static async Task<IcebergTable> CreateAsync(ICatalog catalog, IObjectStore store, TableIdentifier identifier, IcebergSchema schema,
        CreateTableOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(identifier);
        ArgumentNullException.ThrowIfNull(schema);
        options ??= new CreateTableOptions();
        var time = options.Time ?? TimeProvider.System;
        ValidateSchema(schema);
        if (await catalog.LoadMetadataLocationAsync(identifier, ct) is not null)
            throw new TableAlreadyExistsException(identifier, catalog.Name);
        var io = new TableIO(store);
        var location = options.Location ?? store.UriOf($"{identifier.Namespace.Replace('.', '/')}/{identifier.Name}");
        var tableKey = io.KeyOf(location);
        var spec = options.PartitionSpec ?? PartitionSpec.Unpartitioned;
        foreach (var f in spec.Fields)
        {
            if (schema.FindField(f.SourceId)?.Type is not PrimitiveType pt)
                throw new DativoException($"partition field '{f.Name}' refers to column id {f.SourceId}, which is not a primitive column");
            try { f.Transform.ResultType(pt); f.Transform.Apply(pt, null); }
            catch (NotSupportedException e) { throw new DativoException($"partition field '{f.Name}': {e.Message}"); }
        }
        var props = new Dictionary<string, string> { ["write.parquet.compression-codec"] = "zstd" };
        foreach (var (k, v) in options.Properties ?? new Dictionary<string, string>()) props[k] = v;
        var meta = TableMetadata.NewTable(location, schema, spec, options.SortOrder, props, time.GetUtcNow().ToUnixTimeMilliseconds());
        var json = Encoding.UTF8.GetBytes(TableMetadataJson.ToJson(meta));
        var key = $"{tableKey}/metadata/v1.metadata.json";
        if (!await store.PutIfAbsentAsync(key, new MemoryStream(json), ct))
            key = await CreateContestedAsync(catalog, store, identifier, location, tableKey, json, ct);
        var metaLoc = store.UriOf(key);
        if (!await catalog.CreateTableAsync(identifier, metaLoc, ct))
        {
            await store.DeleteAsync(key, ct);
            throw new TableAlreadyExistsException(identifier, catalog.Name);
        }
        try
        {
            await store.PutAsync($"{tableKey}/metadata/version-hint.text", new MemoryStream("1"u8.ToArray()), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // advisory only, and the table exists now: readers without a catalog fall back to listing
        }
        return new IcebergTable(catalog, identifier, io, meta, metaLoc, time);
    }

    /// <summary>
    /// v1.metadata.json is taken: by a creator racing this one (it has not registered the table yet), by one that died
    /// before registering, or by an older table at the same location. The catalog row decides between racing creators,
    /// so this one writes its metadata under a name of its own and lets <see cref="ICatalog.CreateTableAsync"/> pick the
    /// winner (the loser opens the winner's table). Only metadata of a table that went on committing is refused.
    /// </summary>
    private static async Task<string> CreateContestedAsync(ICatalog catalog, IObjectStore store, TableIdentifier identifier, string location,
        string tableKey, byte[] json, CancellationToken ct)
    {
        // list before asking the catalog: a racing creator registers before its second commit, so what the listing
        // shows beyond v1 belongs to a table the catalog lists by then, or to one it never listed
        var later = new List<string>();
        await foreach (var o in store.ListAsync($"{tableKey}/metadata/", ct))
            if (o.Key.EndsWith(".metadata.json", StringComparison.Ordinal) && TableMetadataJson.VersionOf(o.Key) is not (null or 1))
                later.Add(o.Key);
        if (await catalog.LoadMetadataLocationAsync(identifier, ct) is not null)
            throw new TableAlreadyExistsException(identifier, catalog.Name);
        if (later.Count > 0)
            throw new DativoException($"table location {location} holds the metadata of a table that catalog '{catalog.Name}' does not list " +
                $"({store.UriOf(later[0])}): choose another location for {identifier}, or delete that folder if the old table is no longer needed");
        var key = $"{tableKey}/metadata/00001-{Guid.NewGuid()}.metadata.json";
        if (!await store.PutIfAbsentAsync(key, new MemoryStream(json), ct))
            throw new DativoException($"{store.UriOf(key)} exists although its name is new; retry");
        return key;
    }

    public static async Task<IcebergTable> OpenAsync(ICatalog catalog, IObjectStore store, TableIdentifier identifier,
        TimeProvider? time = null, IReadOnlyDictionary<string, string>? locationMap = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var loc = await catalog.LoadMetadataLocationAsync(identifier, ct)
            ?? throw new DativoException($"table {identifier} does not exist in catalog '{catalog.Name}'");
        var io = new TableIO(store, locationMap);
        var meta = await TableDamage.ReadCurrentMetadataAsync(io, loc, identifier.ToString(), inCatalog: true, ct);
        return new IcebergTable(catalog, identifier, io, meta, loc, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Opens a table without a catalog (read-only) from its location: <c>metadata/version-hint.text</c> when present,
    /// else the highest <c>vN.metadata.json</c> / <c>NNNNN-uuid.metadata.json</c>. <paramref name="locationMap"/> rewrites
    /// recorded prefixes (OLD_PREFIX → NEW_PREFIX) for tables copied from elsewhere.
    /// </summary>
    public static async Task<IcebergTable> OpenFromLocationAsync(IObjectStore store, string tableLocation,
        IReadOnlyDictionary<string, string>? locationMap = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        var io = new TableIO(store, locationMap);
        var tableKey = tableLocation.Contains("://", StringComparison.Ordinal) ? io.KeyOf(tableLocation) : tableLocation.Trim('/');
        var metadataPrefix = tableKey.Length == 0 ? "metadata/" : tableKey + "/metadata/";
        string? metadataKey = null;
        if (await store.ExistsAsync(metadataPrefix + "version-hint.text", ct))
        {
            await using var s = await store.OpenReadAsync(metadataPrefix + "version-hint.text", ct);
            var hint = (await new StreamReader(s).ReadToEndAsync(ct)).Trim();
            var candidate = metadataPrefix + $"v{hint}.metadata.json";
            if (await store.ExistsAsync(candidate, ct)) metadataKey = candidate;
        }
        if (metadataKey is null)
        {
            var best = -1;
            await foreach (var o in store.ListAsync(metadataPrefix, ct))
            {
                if (!o.Key.EndsWith(".metadata.json", StringComparison.Ordinal)) continue;
                var v = TableMetadataJson.VersionOf(o.Key) ?? 0;
                if (v > best) (best, metadataKey) = (v, o.Key);
            }
        }
        if (metadataKey is null)
        {
            var where = store.UriOf(metadataPrefix.TrimEnd('/'));
            // a Hive-style Parquet dataset (target_connector: parquet) keeps manifests of its own instead
            var dataset = tableKey.Length == 0 ? Datasets.DatasetManifest.Folder : tableKey + "/" + Datasets.DatasetManifest.Folder;
            await foreach (var _ in store.ListAsync(dataset, ct))
                throw new DativoException($"{(tableKey.Length == 0 ? store.Root : store.UriOf(tableKey))} is a Parquet dataset (manifests in {Datasets.DatasetManifest.Folder}), " +
                    "not an Iceberg table: read it through its manifests (ParquetDataset, docs/lake.md \"Hive-style Parquet datasets\") or with any Parquet reader");
            throw new DativoException($"no Iceberg metadata found under {where} (no version-hint.text or *.metadata.json): is this the table's folder?");
        }
        var location = store.UriOf(metadataKey);
        var meta = await TableDamage.ReadCurrentMetadataAsync(io, location, tableKey.Length == 0 ? store.Root : store.UriOf(tableKey), inCatalog: false, ct);
        return new IcebergTable(null, null, io, meta, location, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Points the catalog at another metadata file of the table (a URI, or a file name in the folder of the current one),
    /// after checking that it parses and that its current snapshot's files are in place: the repair for a table whose
    /// current metadata file is missing or corrupt. Changes committed after that version are no longer current.
    /// </summary>
    public static async Task<IcebergTable> RollbackToMetadataAsync(ICatalog catalog, IObjectStore store, TableIdentifier identifier, string metadataFile,
        TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(metadataFile);
        var current = await catalog.LoadMetadataLocationAsync(identifier, ct)
            ?? throw new DativoException($"table {identifier} does not exist in catalog '{catalog.Name}'");
        var folder = current[..(current.LastIndexOf('/') + 1)];
        var target = metadataFile.Contains('/', StringComparison.Ordinal) ? metadataFile : folder + metadataFile;
        var io = new TableIO(store);
        var currentKey = io.KeyOf(current);
        var folderKey = currentKey[..(currentKey.LastIndexOf('/') + 1)];
        var key = io.KeyOf(target);
        if (!key.StartsWith(folderKey, StringComparison.Ordinal) || key.IndexOf('/', folderKey.Length) >= 0)
            throw new DativoException($"{target} is not in the metadata folder of table {identifier} ({folder}): choose one of that table's metadata files");
        if (!target.EndsWith(".metadata.json", StringComparison.Ordinal))
            throw new DativoException($"{target} is not a table metadata file (*.metadata.json)");
        TableMetadata meta;
        try
        {
            meta = TableMetadataJson.Parse(await io.ReadAllAsync(target, ct));
        }
        catch (ObjectNotFoundException)
        {
            throw new DativoException($"metadata file {target} does not exist; the files in {folder} named *.metadata.json are the candidates");
        }
        catch (Exception e) when (e is not (OperationCanceledException or DativoException))
        {
            throw new DativoException($"metadata file {target} cannot be read either ({e.Message}); choose an earlier one");
        }
        var table = new IcebergTable(catalog, identifier, io, meta, io.UriOf(key), time ?? TimeProvider.System);
        await table.VerifySnapshotAsync(meta, meta.CurrentSnapshot, ct);
        if (current != table.MetadataLocation && !await catalog.SwapMetadataLocationAsync(identifier, current, table.MetadataLocation, ct))
            throw new DativoException($"table {identifier} changed while rolling back (another writer committed); look at it again with 'dativo table show {identifier}'");
        return table;
    }

    /// <summary>Removes the table from the catalog; with <paramref name="purge"/> also deletes its files.</summary>
    public static async Task<bool> DropAsync(ICatalog catalog, IObjectStore store, TableIdentifier identifier, bool purge = false, CancellationToken ct = default)
    {
        var loc = await catalog.LoadMetadataLocationAsync(identifier, ct);
        if (loc is null) return false;
        var dropped = await catalog.DropTableAsync(identifier, ct);
        if (dropped && purge)
        {
            var io = new TableIO(store);
            var meta = await TableDamage.ReadCurrentMetadataAsync(io, loc, identifier.ToString(), inCatalog: false, ct);
            var prefix = io.KeyOf(meta.Location) + "/";
            var keys = new List<string>();
            await foreach (var o in store.ListAsync(prefix, ct)) keys.Add(o.Key);
            foreach (var k in keys) await store.DeleteAsync(k, ct);
        }
        return dropped;
    }

    internal static void ValidateSchema(IcebergSchema schema)
    {
        var ids = new HashSet<int>();
        void Visit(NestedField f)
        {
            if (f.Id <= 0) throw new DativoException($"column '{f.Name}' needs a positive field id");
            if (!ids.Add(f.Id)) throw new DativoException($"field id {f.Id} is used twice (column '{f.Name}')");
            switch (f.Type)
            {
                case StructType s: foreach (var c in s.Fields) Visit(c); break;
                case ListType l: Visit(new NestedField(l.ElementId, f.Name + ".element", l.ElementRequired, l.Element)); break;
                case MapType m:
                    Visit(new NestedField(m.KeyId, f.Name + ".key", true, m.Key));
                    Visit(new NestedField(m.ValueId, f.Name + ".value", m.ValueRequired, m.Value));
                    break;
            }
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in schema.Columns)
        {
            if (!names.Add(c.Name)) throw new DativoException($"column name '{c.Name}' is used twice");
            Visit(c);
        }
    }
}
