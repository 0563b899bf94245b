using System.Data.Common;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>
/// DDL of the catalog tables, column for column what Iceberg Java's JdbcCatalog (V1) creates;
/// tables created by PyIceberg lack <c>iceberg_type</c>, which is added (NULL means a table).
/// </summary>
internal static class SqlCatalogSchema
{
    public static async Task CreateAsync(SqlDatabase db, DbConnection c, CancellationToken ct)
    {
        await c.ExecuteAsync(
            """
            CREATE TABLE IF NOT EXISTS iceberg_tables (
                catalog_name VARCHAR(255) NOT NULL,
                table_namespace VARCHAR(255) NOT NULL,
                table_name VARCHAR(255) NOT NULL,
                metadata_location VARCHAR(1000),
                previous_metadata_location VARCHAR(1000),
                iceberg_type VARCHAR(5),
                PRIMARY KEY (catalog_name, table_namespace, table_name)
            )
            """, ct);
        await c.ExecuteAsync(
            """
            CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
                catalog_name VARCHAR(255) NOT NULL,
                namespace VARCHAR(255) NOT NULL,
                property_key VARCHAR(255) NOT NULL,
                property_value VARCHAR(1000),
                PRIMARY KEY (catalog_name, namespace, property_key)
            )
            """, ct);
        if (!await db.ColumnExistsAsync(c, "iceberg_tables", "iceberg_type", ct))
            await c.ExecuteAsync("ALTER TABLE iceberg_tables ADD COLUMN iceberg_type VARCHAR(5)", ct);
    }
}
