using System.Data.Common;
using Dativo.Lake.Catalog.Sql;

namespace Dativo.Lake.Catalog;

/// <summary>
/// Iceberg catalog in SQL tables laid out like Iceberg Java's JdbcCatalog (schema V1) and
/// PyIceberg's SqlCatalog: <c>iceberg_tables</c> holds the metadata pointer of each table and
/// <c>iceberg_namespace_properties</c> the namespaces (a namespace exists when it has the
/// <c>exists=true</c> property or a table). Commits are a compare-and-swap UPDATE on the pointer.
/// </summary>
internal sealed class SqlCatalog : ICatalog
{
    internal const string TableType = "TABLE";
    private const string IsTable = "(iceberg_type = 'TABLE' OR iceberg_type IS NULL)";

    private readonly SqlDatabase _db;
    private readonly SchemaGuard _guard;

    public SqlCatalog(string name, SqlDatabase db)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _db = db;
        _guard = new SchemaGuard(db, (c, ct) => SqlCatalogSchema.CreateAsync(db, c, ct));
    }

    public string Name { get; }

    internal SqlDatabase Database => _db;

    public Task CreateNamespaceAsync(string ns, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        var props = new Dictionary<string, string>(StringComparer.Ordinal) { ["exists"] = "true" };
        if (properties is not null)
            foreach (var (k, v) in properties) props[k] = v;
        return RunAsync(async (c, token) =>
        {
            await using var tx = await c.BeginTransactionAsync(token);
            foreach (var (key, value) in props)
            {
                await using var cmd = c.Command(
                    """
                    INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value)
                    VALUES (@c, @ns, @k, @v)
                    ON CONFLICT (catalog_name, namespace, property_key) DO UPDATE SET property_value = excluded.property_value
                    """,
                    ("@c", Name), ("@ns", ns), ("@k", key), ("@v", value));
                cmd.Transaction = tx;
                await cmd.ExecuteNonQueryAsync(token);
            }
            await tx.CommitAsync(token);
            return 0;
        }, ct);
    }

    public Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<string>>(async (c, token) =>
        {
            await using var cmd = c.Command(
                $"""
                SELECT ns FROM (
                    SELECT namespace AS ns FROM iceberg_namespace_properties WHERE catalog_name = @c
                    UNION
                    SELECT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = @c
                ) AS all_namespaces
                ORDER BY ns {_db.BinaryCollation}
                """,
                ("@c", Name));
            return await ReadStringsAsync(cmd, token);
        }, ct);

    public Task<IReadOnlyList<TableIdentifier>> ListTablesAsync(string ns, CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<TableIdentifier>>(async (c, token) =>
        {
            await using var cmd = c.Command(
                $"""
                SELECT table_name FROM iceberg_tables
                WHERE catalog_name = @c AND table_namespace = @ns AND {IsTable}
                ORDER BY table_name {_db.BinaryCollation}
                """,
                ("@c", Name), ("@ns", ns));
            var names = await ReadStringsAsync(cmd, token);
            return names.Select(n => new TableIdentifier(ns, n)).ToList();
        }, ct);

    public Task<string?> LoadMetadataLocationAsync(TableIdentifier table, CancellationToken ct = default) =>
        RunAsync(async (c, token) => (string?)await c.ScalarAsync(
            $"""
            SELECT metadata_location FROM iceberg_tables
            WHERE catalog_name = @c AND table_namespace = @ns AND table_name = @t AND {IsTable}
            """,
            token, ("@c", Name), ("@ns", table.Namespace), ("@t", table.Name)), ct);

    public Task<bool> CreateTableAsync(TableIdentifier table, string metadataLocation, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(metadataLocation);
        return RunAsync(async (c, token) => await c.ExecuteAsync(
            """
            INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)
            VALUES (@c, @ns, @t, @loc, NULL, 'TABLE')
            ON CONFLICT (catalog_name, table_namespace, table_name) DO NOTHING
            """,
            token, ("@c", Name), ("@ns", table.Namespace), ("@t", table.Name), ("@loc", metadataLocation)) == 1, ct);
    }

    public Task<bool> SwapMetadataLocationAsync(TableIdentifier table, string expectedMetadataLocation, string newMetadataLocation, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(expectedMetadataLocation);
        ArgumentException.ThrowIfNullOrEmpty(newMetadataLocation);
        return RunAsync(async (c, token) => await c.ExecuteAsync(
            $"""
            UPDATE iceberg_tables SET metadata_location = @new, previous_metadata_location = @old
            WHERE catalog_name = @c AND table_namespace = @ns AND table_name = @t AND metadata_location = @old AND {IsTable}
            """,
            token, ("@new", newMetadataLocation), ("@old", expectedMetadataLocation),
            ("@c", Name), ("@ns", table.Namespace), ("@t", table.Name)) == 1, ct);
    }

    public Task<bool> DropTableAsync(TableIdentifier table, CancellationToken ct = default) =>
        RunAsync(async (c, token) => await c.ExecuteAsync(
            $"DELETE FROM iceberg_tables WHERE catalog_name = @c AND table_namespace = @ns AND table_name = @t AND {IsTable}",
            token, ("@c", Name), ("@ns", table.Namespace), ("@t", table.Name)) == 1, ct);

    private Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> action, CancellationToken ct) => _guard.RunAsync(action, ct);

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(DbCommand cmd, CancellationToken ct)
    {
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(reader.GetString(0));
        return list;
    }
}
