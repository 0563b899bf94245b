using Dativo.Core.Config;
using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Engine;

/// <summary>
/// A local warehouse folder: the SQL catalog at <c>&lt;root&gt;/catalog.db</c> and the object store over the folder,
/// so a table <c>ns.name</c> lives at <c>&lt;root&gt;/ns/name</c> (see docs/lake.md).
/// </summary>
public sealed class LakeWarehouse
{
    /// <summary>The default warehouse of the CLI and the pipeline tasks, relative to the working folder.</summary>
    public const string DefaultPath = ".local/lake";

    private LakeWarehouse(string root, ICatalog catalog, IObjectStore store, TimeProvider time)
    {
        Root = root;
        Catalog = catalog;
        Store = store;
        Time = time;
    }

    public string Root { get; }

    public ICatalog Catalog { get; }

    public IObjectStore Store { get; }

    public TimeProvider Time { get; }

    /// <summary>Opens (and creates when missing) a local warehouse folder.</summary>
    public static LakeWarehouse Open(string folder, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (folder.Contains("://", StringComparison.Ordinal) && !folder.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            throw new DativoException($"warehouse '{folder}': only local folders are supported here (S3 warehouses come with the AWS integration)");
        var root = folder.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? new Uri(folder).LocalPath : Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DativoException($"warehouse {root}: cannot create the folder ({e.Message})", inner: e);
        }
        return new LakeWarehouse(root, Catalogs.Open(new CatalogOptions { Warehouse = root }), ObjectStores.Open(root), time ?? TimeProvider.System);
    }

    /// <summary>
    /// <c>ns.name</c> → identifier; a name without a namespace is refused (tables here always have one). A table to
    /// write (<paramref name="existing"/> false) follows <see cref="CatalogNames"/> in both parts, as it becomes
    /// catalog rows and folders; a table to read may have been created by another tool, so any name is looked up.
    /// </summary>
    public static TableIdentifier ParseTable(string name, string what = "table", bool existing = false)
    {
        var n = name.Trim();
        var dot = n.LastIndexOf('.');
        if (dot <= 0 || dot == n.Length - 1 || n.Any(c => char.IsWhiteSpace(c) || c == '/' || c == '"'))
            throw new DativoException($"{what} '{name}': write namespace.name (e.g. analytics.carrier_performance)");
        var id = TableIdentifier.Parse(n);
        if (!existing && !(CatalogNames.IsValid(id.Namespace) && CatalogNames.IsValid(id.Name)))
            throw new DativoException($"{what} '{name}': write namespace.name where each part is {CatalogNames.Rule} (e.g. analytics.carrier_performance)");
        return id;
    }

    public async Task<bool> ExistsAsync(TableIdentifier table, CancellationToken ct) =>
        await Catalog.LoadMetadataLocationAsync(table, ct).ConfigureAwait(false) is not null;

    /// <summary>Opens a table, or fails naming the warehouse and the tables it has.</summary>
    public async Task<IcebergTable> OpenTableAsync(TableIdentifier table, CancellationToken ct)
    {
        if (!await ExistsAsync(table, ct).ConfigureAwait(false))
        {
            var known = await ListTablesAsync(ct).ConfigureAwait(false);
            throw new DativoException($"table {table} does not exist in warehouse {Root}" +
                (known.Count == 0 ? " (it has no tables yet)" : $"; tables: {string.Join(", ", known)}"));
        }
        return await IcebergTables.OpenAsync(Catalog, Store, table, Time, ct: ct).ConfigureAwait(false);
    }

    /// <summary>Every table of every namespace, sorted.</summary>
    public async Task<IReadOnlyList<TableIdentifier>> ListTablesAsync(CancellationToken ct)
    {
        var result = new List<TableIdentifier>();
        foreach (var ns in await Catalog.ListNamespacesAsync(ct).ConfigureAwait(false))
            result.AddRange(await Catalog.ListTablesAsync(ns, ct).ConfigureAwait(false));
        return [.. result.OrderBy(t => t.ToString(), StringComparer.Ordinal)];
    }
}
