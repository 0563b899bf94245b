namespace Dativo.Lake.Catalog;

/// <summary>
/// Where a table's current metadata file lives. Same layout as Iceberg Java's JDBC catalog and
/// PyIceberg's SqlCatalog (tables <c>iceberg_tables</c>, <c>iceberg_namespace_properties</c>),
/// so Spark and PyIceberg pointed at the same database see the same tables.
/// </summary>
public interface ICatalog
{
    string Name { get; }

    Task CreateNamespaceAsync(string ns, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default);

    Task<IReadOnlyList<TableIdentifier>> ListTablesAsync(string ns, CancellationToken ct = default);

    /// <summary>Current metadata location, or null when the table does not exist.</summary>
    Task<string?> LoadMetadataLocationAsync(TableIdentifier table, CancellationToken ct = default);

    /// <summary>Registers a new table. Returns false when the table already exists.</summary>
    Task<bool> CreateTableAsync(TableIdentifier table, string metadataLocation, CancellationToken ct = default);

    /// <summary>
    /// Compare-and-swap of the metadata pointer: succeeds only if the current location is
    /// <paramref name="expectedMetadataLocation"/>. Returns false on conflict.
    /// </summary>
    Task<bool> SwapMetadataLocationAsync(TableIdentifier table, string expectedMetadataLocation, string newMetadataLocation, CancellationToken ct = default);

    Task<bool> DropTableAsync(TableIdentifier table, CancellationToken ct = default);
}

public sealed record TableIdentifier(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}.{Name}";

    public static TableIdentifier Parse(string qualified)
    {
        var dot = qualified.LastIndexOf('.');
        return dot < 0 ? new TableIdentifier("default", qualified) : new TableIdentifier(qualified[..dot], qualified[(dot + 1)..]);
    }
}
