using System.Globalization;
using System.Text;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Core.Tags;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Appends to an Iceberg v2 table in a SQL catalog (SQLite at &lt;warehouse&gt;/catalog.db by default), creating it
/// from the contract on first use. Interim committer built on the lake's manifest/metadata model until the lake's
/// table API lands; same layout and catalog, so the lake reads what this writes.
/// </summary>
internal sealed class IcebergTarget : ITableTarget
{
    private readonly IObjectStore _store;
    private readonly ICatalog _catalog;
    private readonly TableIdentifier _id;
    private readonly TargetLocation _loc;
    private readonly TimeProvider _time;
    private readonly string _stateKey;
    private readonly string _compression;
    private readonly long _targetFileSize;
    private readonly Dictionary<string, (object?[] Values, DataFileSink Sink)> _open = new(StringComparer.Ordinal);
    private readonly List<DataFile> _done = [];
    private readonly string _runPrefix = Guid.NewGuid().ToString("N")[..12];
    private TableMetadata _meta = null!;
    private string _metaLocation = "";
    private IcebergSchemaChange? _evolved;
    private IReadOnlyDictionary<string, string> _properties = new Dictionary<string, string>();
    private PartitionSplitter _splitter = null!;
    private int _fileNo;
    private long _closedBytes;

    private sealed record IcebergSchemaChange(Lake.Iceberg.Types.IcebergSchema Schema);

    private IcebergTarget(IObjectStore store, ICatalog catalog, TargetLocation loc, TimeProvider time, string stateKey, string compression, long targetFileSize)
    {
        _store = store;
        _catalog = catalog;
        _loc = loc;
        _id = new TableIdentifier(loc.Namespace, loc.Table);
        _time = time;
        _stateKey = stateKey;
        _compression = compression;
        _targetFileSize = targetFileSize;
    }

    public string Display => _id.ToString();
    public TargetSchema Schema { get; private set; } = null!;
    public string? CommittedState { get; private set; }
    public long BytesWritten => _closedBytes + _open.Values.Sum(o => o.Sink.Bytes);
    public int FilesWritten => _done.Count + _open.Count;

    public static string StateSummaryKey(LoadedJob job) => $"dativo.state.{job.Config.TenantId}.{job.Name}";

    public static async Task<IcebergTarget> OpenAsync(LoadedJob job, TargetLocation loc, TargetSchema contractSchema, TimeProvider time, CancellationToken ct)
    {
        var store = ObjectStores.Open(loc.Warehouse);
        var catalog = Catalogs.Open(new CatalogOptions { Name = "dativo", Uri = job.Config.Target.Catalog is { } c && c.Contains("://", StringComparison.Ordinal) ? c : null, Warehouse = loc.Warehouse.Contains("://", StringComparison.Ordinal) ? null : loc.Warehouse });
        var sizeMb = job.Config.Target.TargetFileSizeMb ?? (int.TryParse(job.TargetRecipe.Options["target_file_size_mb"]?.ToString(), out var mb) ? mb : 128);
        var compression = job.Config.Target.Compression ?? job.TargetRecipe.Options["compression"]?.ToString() ?? "zstd";
        var t = new IcebergTarget(store, catalog, loc, time, StateSummaryKey(job), compression, sizeMb * 1024L * 1024L);
        await t.LoadOrCreateAsync(job, contractSchema, ct).ConfigureAwait(false);
        return t;
    }

    private async Task LoadOrCreateAsync(LoadedJob job, TargetSchema contractSchema, CancellationToken ct)
    {
        _properties = TableProperties.Derive(job);
        var location = await _catalog.LoadMetadataLocationAsync(_id, ct).ConfigureAwait(false);
        if (location is null)
        {
            var ice = contractSchema.ToIceberg();
            var spec = IcebergTableSetup.SpecFor(job, ice);
            var meta = TableMetadata.NewTable(_store.UriOf(_loc.Key), ice, spec, null,
                IcebergTableSetup.MergeProperties(new Dictionary<string, string>(), _properties), _time.GetUtcNow().ToUnixTimeMilliseconds());
            var key = $"{_loc.Key}/metadata/v1-{Guid.NewGuid():N}.metadata.json";
            await _store.PutAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(TableMetadataJson.ToJson(meta))), ct).ConfigureAwait(false);
            try { await _catalog.CreateNamespaceAsync(_loc.Namespace, null, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { /* exists */ }
            if (!await _catalog.CreateTableAsync(_id, _store.UriOf(key), ct).ConfigureAwait(false))
                await _store.DeleteAsync(key, ct).ConfigureAwait(false); // created concurrently: use theirs
            location = await _catalog.LoadMetadataLocationAsync(_id, ct).ConfigureAwait(false)
                ?? throw new DativoException($"table {_id} vanished from the catalog while being created");
        }
        await ReloadAsync(location, ct).ConfigureAwait(false);
        var (aligned, evolved) = IcebergTableSetup.Align(contractSchema, _meta);
        Schema = aligned;
        _evolved = evolved is null ? null : new IcebergSchemaChange(evolved);
        _splitter = new PartitionSplitter(Schema, evolved ?? _meta.CurrentSchema, _meta.DefaultSpec);
    }

    private async Task ReloadAsync(string location, CancellationToken ct)
    {
        await using var s = await _store.OpenReadAsync(KeyOf(location), ct).ConfigureAwait(false);
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct).ConfigureAwait(false);
        _meta = TableMetadataJson.Parse(ms.ToArray());
        _metaLocation = location;
        CommittedState = _meta.Ancestors().Select(a => a.Summary.GetValueOrDefault(_stateKey)).FirstOrDefault(v => v is not null);
    }

    private string KeyOf(string uri)
    {
        var root = _store.Root.TrimEnd('/') + "/";
        if (!uri.StartsWith(root, StringComparison.Ordinal))
            throw new DativoException($"table {_id}: metadata file {uri} is outside the warehouse {_store.Root}");
        return uri[root.Length..];
    }

    public async Task WriteAsync(ColumnBatch batch, CancellationToken ct)
    {
        foreach (var (values, path, part) in _splitter.Split(batch))
        {
            if (!_open.TryGetValue(path, out var o))
            {
                var dir = path.Length == 0 ? "data" : "data/" + path;
                var key = $"{_loc.Key}/{dir}/{_runPrefix}-{Interlocked.Increment(ref _fileNo):00000}.parquet";
                o = (values, await DataFileSink.OpenAsync(_store, key, Schema, _compression, ct).ConfigureAwait(false));
                _open[path] = o;
            }
            await o.Sink.WriteAsync(part, ct).ConfigureAwait(false);
            if (o.Sink.Bytes >= _targetFileSize)
            {
                _open.Remove(path);
                await CloseAsync(o.Values, o.Sink, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task CloseAsync(object?[] values, DataFileSink sink, CancellationToken ct)
    {
        var size = await sink.CompleteAsync(ct).ConfigureAwait(false);
        _closedBytes += size;
        var nulls = new Dictionary<int, long>();
        var counts = new Dictionary<int, long>();
        for (var c = 0; c < Schema.Columns.Count; c++)
        {
            nulls[Schema.Columns[c].FieldId] = sink.NullCounts[c];
            counts[Schema.Columns[c].FieldId] = sink.Rows;
        }
        _done.Add(new DataFile
        {
            FilePath = _store.UriOf(sink.Key),
            SpecId = _meta.DefaultSpecId,
            Partition = values,
            RecordCount = sink.Rows,
            FileSizeInBytes = size,
            ValueCounts = counts,
            NullValueCounts = nulls,
        });
    }

    public async Task<CommitInfo> CommitAsync(string state, CancellationToken ct)
    {
        foreach (var o in _open.Values) await CloseAsync(o.Values, o.Sink, ct).ConfigureAwait(false);
        _open.Clear();
        var rows = _done.Sum(f => f.RecordCount);
        for (var attempt = 0; ; attempt++)
        {
            var (meta, key) = await BuildCommitAsync(state, ct).ConfigureAwait(false);
            if (await _store.PutIfAbsentAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(TableMetadataJson.ToJson(meta))), ct).ConfigureAwait(false)
                && await _catalog.SwapMetadataLocationAsync(_id, _metaLocation, _store.UriOf(key), ct).ConfigureAwait(false))
            {
                _meta = meta;
                _metaLocation = _store.UriOf(key);
                CommittedState = state;
                return new CommitInfo(meta.CurrentSnapshotId!.Value.ToString(CultureInfo.InvariantCulture), rows, _done.Count);
            }
            if (attempt >= 9) throw new DativoException($"table {_id}: commit failed after 10 attempts because other writers kept committing; run the job again");
            var current = await _catalog.LoadMetadataLocationAsync(_id, ct).ConfigureAwait(false) ?? throw new DativoException($"table {_id} was dropped during the run");
            await ReloadAsync(current, ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(50 * (attempt + 1)), _time, ct).ConfigureAwait(false);
        }
    }

    private async Task<(TableMetadata Meta, string Key)> BuildCommitAsync(string state, CancellationToken ct)
    {
        var m = _meta;
        var now = Math.Max(_time.GetUtcNow().ToUnixTimeMilliseconds(), m.LastUpdatedMs);
        long snapshotId;
        do snapshotId = Random.Shared.NextInt64(1, long.MaxValue); while (m.SnapshotById(snapshotId) is not null);
        var seq = m.LastSequenceNumber + 1;
        if (_evolved is { } ev && m.Schemas.All(s => s.SchemaId != ev.Schema.SchemaId))
            m = m with { Schemas = [.. m.Schemas, ev.Schema], CurrentSchemaId = ev.Schema.SchemaId, LastColumnId = Math.Max(m.LastColumnId, ev.Schema.HighestFieldId) };

        var manifests = new List<ManifestFile>();
        var parent = m.CurrentSnapshot;
        if (_done.Count > 0)
        {
            var entries = _done.Select(f => new ManifestEntry(EntryStatus.Added, snapshotId, null, null, f));
            var bytes = LakeManifests.WriteManifest(m.CurrentSchema, m.DefaultSpec, entries);
            var mkey = $"{_loc.Key}/metadata/{Guid.NewGuid():N}-m0.avro";
            await _store.PutAsync(mkey, new MemoryStream(bytes), ct).ConfigureAwait(false);
            manifests.Add(new ManifestFile
            {
                ManifestPath = _store.UriOf(mkey), ManifestLength = bytes.Length, PartitionSpecId = m.DefaultSpecId,
                Content = ManifestContent.Data, SequenceNumber = seq, MinSequenceNumber = seq, AddedSnapshotId = snapshotId,
                AddedFilesCount = _done.Count, AddedRowsCount = _done.Sum(f => f.RecordCount),
            });
        }
        if (parent is not null)
        {
            await using var s = await _store.OpenReadAsync(KeyOf(parent.ManifestList), ct).ConfigureAwait(false);
            manifests.AddRange(LakeManifests.ReadList(s));
        }
        var list = LakeManifests.WriteList(snapshotId, parent?.SnapshotId, seq, manifests);
        var lkey = $"{_loc.Key}/metadata/snap-{snapshotId}-1-{Guid.NewGuid():N}.avro";
        await _store.PutAsync(lkey, new MemoryStream(list), ct).ConfigureAwait(false);

        long Prev(string k) => parent is not null && parent.Summary.TryGetValue(k, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var l) ? l : 0;
        var added = _done.Sum(f => f.RecordCount);
        var summary = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["operation"] = Operations.Append,
            ["added-data-files"] = _done.Count.ToString(CultureInfo.InvariantCulture),
            ["added-records"] = added.ToString(CultureInfo.InvariantCulture),
            ["added-files-size"] = _done.Sum(f => f.FileSizeInBytes).ToString(CultureInfo.InvariantCulture),
            ["total-data-files"] = (Prev("total-data-files") + _done.Count).ToString(CultureInfo.InvariantCulture),
            ["total-records"] = (Prev("total-records") + added).ToString(CultureInfo.InvariantCulture),
            ["dativo.writer"] = "dativo-ingestion",
            [_stateKey] = state,
        };
        var snap = new Snapshot(snapshotId, parent?.SnapshotId, seq, now, _store.UriOf(lkey), summary, m.CurrentSchemaId);
        var props = IcebergTableSetup.MergeProperties(m.Properties, _properties);
        var version = (TableMetadataJson.VersionOf(_metaLocation) ?? m.MetadataLog.Count + 1) + 1;
        var next = m with
        {
            LastSequenceNumber = seq,
            LastUpdatedMs = now,
            CurrentSnapshotId = snapshotId,
            Snapshots = [.. m.Snapshots, snap],
            SnapshotLog = [.. m.SnapshotLog, new SnapshotLogEntry(now, snapshotId)],
            MetadataLog = [.. m.MetadataLog, new MetadataLogEntry(m.LastUpdatedMs, _metaLocation)],
            Refs = new Dictionary<string, SnapshotRef>(m.Refs) { [SnapshotRef.Main] = new SnapshotRef(snapshotId, SnapshotRef.Branch) },
            Properties = props,
        };
        return (next, $"{_loc.Key}/metadata/v{version}.metadata.json");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var o in _open.Values) await o.Sink.DisposeAsync().ConfigureAwait(false);
        _open.Clear();
        if (_catalog is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
    }
}
