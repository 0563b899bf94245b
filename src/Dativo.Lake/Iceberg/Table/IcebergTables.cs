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
            throw new DativoException($"table {identifier} already exists in catalog '{catalog.Name}'");
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
        var key = $"{tableKey}/metadata/v1.metadata.json";
        if (!await store.PutIfAbsentAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(TableMetadataJson.ToJson(meta))), ct))
            throw new DativoException($"table location {location} already holds Iceberg metadata (v1.metadata.json); drop the old files or choose another location");
        var metaLoc = store.UriOf(key);
        if (!await catalog.CreateTableAsync(identifier, metaLoc, ct))
        {
            await store.DeleteAsync(key, ct);
            throw new DativoException($"table {identifier} already exists in catalog '{catalog.Name}'");
        }
        await store.PutAsync($"{tableKey}/metadata/version-hint.text", new MemoryStream("1"u8.ToArray()), ct);
        return new IcebergTable(catalog, identifier, io, meta, metaLoc, time);
    }

    public static async Task<IcebergTable> OpenAsync(ICatalog catalog, IObjectStore store, TableIdentifier identifier,
        TimeProvider? time = null, IReadOnlyDictionary<string, string>? locationMap = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var loc = await catalog.LoadMetadataLocationAsync(identifier, ct)
            ?? throw new DativoException($"table {identifier} does not exist in catalog '{catalog.Name}'");
        var io = new TableIO(store, locationMap);
        var meta = TableMetadataJson.Parse(await io.ReadAllAsync(loc, ct));
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
        var bytes = await io.ReadAllAsync(store.UriOf(metadataKey), ct);
        return new IcebergTable(null, null, io, TableMetadataJson.Parse(bytes), store.UriOf(metadataKey), time ?? TimeProvider.System);
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
            var meta = TableMetadataJson.Parse(await io.ReadAllAsync(loc, ct));
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
