using System.Diagnostics;
using Dativo.Lake.Catalog;
using Dativo.Testing;
using Dativo.Testing.Services;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Tests.Catalog;

/// <summary>
/// Other processes committing to the same catalog.db at the same time: Python's sqlite3 (as
/// PyIceberg's SqlCatalog would) racing the .NET catalog, all with compare-and-swap updates.
/// </summary>
public sealed class SqliteCatalogProcessTests : IDisposable
{
    private const string Committer = """
        import sqlite3, sys
        db, catalog, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
        c = sqlite3.connect(db, timeout=60, isolation_level=None)
        done = 0
        while done < n:
            cur = c.execute("SELECT metadata_location FROM iceberg_tables WHERE catalog_name=? AND table_namespace='db' AND table_name='counter'", (catalog,)).fetchone()[0]
            r = c.execute("UPDATE iceberg_tables SET metadata_location=?, previous_metadata_location=? "
                          "WHERE catalog_name=? AND table_namespace='db' AND table_name='counter' AND metadata_location=?",
                          (str(int(cur) + 1), cur, catalog, cur))
            if r.rowcount == 1:
                done += 1
        print("ok")
        """;

    private readonly TempDir _dir = new("dativo-catalog-proc-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task Separate_processes_commit_concurrently_without_lost_updates()
    {
        var python = ServiceProcesses.OnPath("python3");
        Skip.If(python is null, "python3 is not on PATH (used as a second, foreign catalog process)");

        var catalog = Catalogs.Open(new CatalogOptions { Name = "proc", Warehouse = _dir.Path });
        var table = new TableIdentifier("db", "counter");
        Assert.True(await catalog.CreateTableAsync(table, "0"));
        var script = _dir.File("committer.py", Committer);
        const int each = 15;

        var processes = Enumerable.Range(0, 2).Select(_ =>
        {
            var psi = new ProcessStartInfo(python!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { script, Path.Combine(_dir.Path, "catalog.db"), "proc", each.ToString() }) psi.ArgumentList.Add(a);
            return Process.Start(psi)!;
        }).ToList();

        for (var n = 0; n < each;)
        {
            var current = await catalog.LoadMetadataLocationAsync(table);
            if (await catalog.SwapMetadataLocationAsync(table, current!, (int.Parse(current!) + 1).ToString())) n++;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        foreach (var p in processes)
        {
            using (p)
            {
                var output = await p.StandardOutput.ReadToEndAsync(timeout.Token) + await p.StandardError.ReadToEndAsync(timeout.Token);
                await p.WaitForExitAsync(timeout.Token);
                Assert.True(p.ExitCode == 0, output);
            }
        }
        Assert.Equal((3 * each).ToString(), await catalog.LoadMetadataLocationAsync(table));
    }
}
