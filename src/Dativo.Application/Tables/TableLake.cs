using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;

namespace Dativo.Application.Tables;

/// <summary>Where the tables live: a warehouse folder or URI, its catalog database (default <c>&lt;warehouse&gt;/catalog.db</c>) and catalog name.</summary>
public sealed record WarehouseOptions(string Warehouse, string? CatalogUri = null, string? CatalogName = null)
{
    public const string DefaultWarehouse = ".local/lake";
}

/// <summary>A table of the catalog as listed: snapshot count and current snapshot, or why it cannot be read.</summary>
public sealed record TableListing(string Namespace, string Table, int? Snapshots, long? CurrentSnapshotId, string? Error = null)
{
    public string Qualified => $"{Namespace}.{Table}";
}

/// <summary>The Iceberg tables of one warehouse: opening the catalog and its tables, listing them.</summary>
public sealed class TableLake(WarehouseOptions options, TimeProvider time)
{
    public WarehouseOptions Options => options;

    /// <summary>The catalog; a user error when the warehouse does not exist or a remote one has no catalog database.</summary>
    public ICatalog OpenCatalog()
    {
        var warehouse = options.Warehouse;
        var uri = options.CatalogUri;
        if (uri is null && warehouse.Contains("://", StringComparison.Ordinal) && !warehouse.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            throw new DativoException($"--warehouse {warehouse}: a remote warehouse needs --catalog (e.g. postgresql://user:pw@host/db)");
        if (uri is null && !Directory.Exists(LocalDir(warehouse)))
            throw new DativoException($"warehouse {warehouse} does not exist; pass --warehouse DIR (default ./{WarehouseOptions.DefaultWarehouse})");
        return Catalogs.Open(new CatalogOptions { Name = options.CatalogName ?? "default", Uri = uri, Warehouse = uri is null ? LocalDir(warehouse) : null });
    }

    public static string LocalDir(string warehouse) =>
        warehouse.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? new Uri(warehouse).LocalPath : Path.GetFullPath(warehouse);

    /// <summary>A catalog table by identifier: its names are used as they are, whatever characters they hold.</summary>
    public Task<IcebergTable> OpenAsync(ICatalog catalog, TableIdentifier id, IReadOnlyDictionary<string, string>? locationMap, CancellationToken ct) =>
        IcebergTables.OpenAsync(catalog, ObjectStores.Open(options.Warehouse), id, time, locationMap ?? new Dictionary<string, string>(), ct);

    /// <summary>A table by <c>namespace.table</c>; a <see cref="NotFoundException"/> when the catalog has no such table.</summary>
    public async Task<IcebergTable> OpenAsync(string qualified, CancellationToken ct)
    {
        var catalog = OpenCatalog();
        var id = TableIdentifier.Parse(qualified);
        if (!(await catalog.ListTablesAsync(id.Namespace, ct).ConfigureAwait(false)).Contains(id))
            throw new Pipelines.NotFoundException($"no table {qualified} in warehouse {options.Warehouse}");
        return await OpenAsync(catalog, id, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Namespaces and tables with snapshot count and current snapshot. Rows may come from other tools: names are used as
    /// identifiers (never re-parsed), and a table that cannot be opened is listed with its error (also given to
    /// <paramref name="onError"/>) instead of hiding the rest.
    /// </summary>
    public async Task<List<TableListing>> ListAsync(IReadOnlyDictionary<string, string>? locationMap, Action<string>? onError, bool verify, CancellationToken ct)
    {
        var catalog = OpenCatalog();
        var rows = new List<TableListing>();
        foreach (var ns in await catalog.ListNamespacesAsync(ct).ConfigureAwait(false))
            foreach (var id in await catalog.ListTablesAsync(ns, ct).ConfigureAwait(false))
            {
                try
                {
                    var t = await OpenAsync(catalog, id, locationMap, ct).ConfigureAwait(false);
                    if (verify) await t.VerifyManifestsAsync(ct).ConfigureAwait(false);
                    rows.Add(new TableListing(id.Namespace, id.Name, t.Metadata.Snapshots.Count, t.Metadata.CurrentSnapshot?.SnapshotId));
                }
                catch (DativoException e)
                {
                    rows.Add(new TableListing(id.Namespace, id.Name, null, null, e.Message));
                    onError?.Invoke(e.Message);
                }
            }
        return rows;
    }
}
