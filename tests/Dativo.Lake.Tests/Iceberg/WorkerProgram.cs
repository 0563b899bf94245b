using System.Globalization;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// Entry point of the test assembly when started as a separate writer process:
/// <c>dotnet Dativo.Lake.Tests.dll iceberg-append &lt;warehouse&gt; &lt;ns.table&gt; &lt;firstId&gt; &lt;appends&gt; &lt;rowsPerAppend&gt;</c>.
/// Prints <c>committed &lt;snapshot-id&gt;</c> after each commit.
/// </summary>
internal static class WorkerProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 6 || args[0] != "iceberg-append")
        {
            await Console.Error.WriteLineAsync("this is a test assembly: run it with dotnet test (or iceberg-append <warehouse> <ns.table> <firstId> <appends> <rows>)");
            return 2;
        }
        var warehouse = args[1];
        var id = TableIdentifier.Parse(args[2]);
        var first = long.Parse(args[3], CultureInfo.InvariantCulture);
        var appends = int.Parse(args[4], CultureInfo.InvariantCulture);
        var rows = int.Parse(args[5], CultureInfo.InvariantCulture);
        var table = await IcebergTables.OpenAsync(Catalogs.Open(new CatalogOptions { Name = "test", Warehouse = warehouse }), ObjectStores.Open(warehouse), id);
        for (var i = 0; i < appends; i++)
        {
            var r = await table.AppendAsync(TableFixture.Events(table.Schema, first + ((long)i * rows), rows));
            Console.WriteLine($"committed {r.SnapshotId}");
            Console.Out.Flush();
        }
        return 0;
    }
}
