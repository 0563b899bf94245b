using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage.Local;
using Dativo.Testing;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>A warehouse folder with a SQLite catalog and a local object store.</summary>
internal sealed class TableFixture : IDisposable
{
    public TableFixture()
    {
        Dir = new TempDir("dativo-iceberg-");
        Store = new LocalObjectStore(Dir.Path);
        Catalog = NewCatalog();
    }

    public TempDir Dir { get; }
    public LocalObjectStore Store { get; }
    public ICatalog Catalog { get; }

    public ICatalog NewCatalog() => Catalogs.Open(new CatalogOptions { Name = "test", Warehouse = Dir.Path });

    public static IcebergSchema EventSchema { get; } = new(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Optional(2, "name", IcebergType.String),
        NestedField.Optional(3, "amount", IcebergType.Decimal(10, 2)),
        NestedField.Optional(4, "ts", IcebergType.TimestampTz),
        NestedField.Optional(5, "day", IcebergType.Date),
        NestedField.Optional(6, "ok", IcebergType.Boolean),
        NestedField.Optional(7, "score", IcebergType.Double),
        NestedField.Optional(8, "n", IcebergType.Int),
    ]);

    public static RecordBatch Events(IcebergSchema schema, long firstId, int count, DateTime? start = null)
    {
        var t0 = start ?? new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var ids = new long[count];
        var names = new string?[count];
        var amounts = new decimal?[count];
        var ts = new DateTime?[count];
        var days = new DateOnly?[count];
        var ok = new bool?[count];
        var score = new double?[count];
        var n = new int?[count];
        for (var i = 0; i < count; i++)
        {
            var id = firstId + i;
            ids[i] = id;
            names[i] = id % 10 == 0 ? null : $"name-{id}";
            amounts[i] = id * 1.25m;
            ts[i] = t0.AddHours(id % 72);
            days[i] = DateOnly.FromDateTime(ts[i]!.Value);
            ok[i] = id % 2 == 0;
            score[i] = id / 3.0;
            n[i] = (int)(id % 100);
        }
        return new RecordBatch(schema, [ids, names, amounts, ts, days, ok, score, n]);
    }

    public async Task<IcebergTable> CreateAsync(string name, Func<IcebergSchema, PartitionSpec>? spec = null, IReadOnlyDictionary<string, string>? props = null, TimeProvider? time = null)
    {
        if (!(await Catalog.ListNamespacesAsync()).Contains("db")) await Catalog.CreateNamespaceAsync("db");
        return await IcebergTables.CreateAsync(Catalog, Store, new TableIdentifier("db", name), EventSchema,
            new CreateTableOptions { PartitionSpec = spec?.Invoke(EventSchema), Properties = props, Time = time });
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Dir.Dispose();
    }
}
