using DuckDB.NET.Data;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>In-memory DuckDB connections with extension auto-install/auto-load off (parquet is built in).</summary>
internal static class DuckDb
{
    public static async Task<DuckDBConnection> OpenAsync(CancellationToken ct)
    {
        var c = new DuckDBConnection("Data Source=:memory:");
        await c.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SET autoinstall_known_extensions=false; SET autoload_known_extensions=false;";
        await cmd.ExecuteNonQueryAsync(ct);
        return c;
    }
}
