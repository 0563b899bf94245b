using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Tests.Support;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// Two writers creating the same new table at the same moment (held at a barrier at the exact interleaving): exactly one
/// creates it, the other opens the winner's table and appends to it, and no row is lost.
/// </summary>
public sealed class CreateRaceTests : IDisposable
{
    private readonly TableFixture _fx = new();
    private static readonly TableIdentifier Id = new("db", "new_table");

    public void Dispose() => _fx.Dispose();

    /// <summary>What a writer such as the ingestion target does: create the table, or open it when someone else just did.</summary>
    private static async Task<IcebergTable> OpenOrCreateAsync(ICatalog catalog, HookedStore store)
    {
        try
        {
            return await IcebergTables.CreateAsync(catalog, store, Id, TableFixture.EventSchema);
        }
        catch (TableAlreadyExistsException)
        {
            return await IcebergTables.OpenAsync(catalog, store, Id);
        }
    }

    /// <summary>A catalog that can hold a table registration at a barrier.</summary>
    private sealed class HeldCatalog(ICatalog inner) : ICatalog
    {
        public Func<Task>? BeforeCreate { get; set; }
        public string Name => inner.Name;
        public Task CreateNamespaceAsync(string ns, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default) => inner.CreateNamespaceAsync(ns, properties, ct);
        public Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default) => inner.ListNamespacesAsync(ct);
        public Task<IReadOnlyList<TableIdentifier>> ListTablesAsync(string ns, CancellationToken ct = default) => inner.ListTablesAsync(ns, ct);
        public Task<string?> LoadMetadataLocationAsync(TableIdentifier table, CancellationToken ct = default) => inner.LoadMetadataLocationAsync(table, ct);
        public Task<bool> SwapMetadataLocationAsync(TableIdentifier table, string expected, string next, CancellationToken ct = default) => inner.SwapMetadataLocationAsync(table, expected, next, ct);
        public Task<bool> DropTableAsync(TableIdentifier table, CancellationToken ct = default) => inner.DropTableAsync(table, ct);

        public async Task<bool> CreateTableAsync(TableIdentifier table, string metadataLocation, CancellationToken ct = default)
        {
            if (BeforeCreate is { } hold) await hold();
            return await inner.CreateTableAsync(table, metadataLocation, ct);
        }
    }

    private async Task AppendBothAndCheckAsync(IcebergTable a, IcebergTable b)
    {
        await a.AppendAsync(TableFixture.Events(a.Schema, 0, 10));
        await b.AppendAsync(TableFixture.Events(b.Schema, 1000, 10));
        var t = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, Id);
        Assert.Equal(20, await t.NewScan().CountAsync());
        Assert.Equal(2, t.Metadata.Snapshots.Count);
        Assert.Empty(await t.FindOrphanFilesAsync(TimeSpan.Zero)); // the loser's metadata file was removed
    }

    [Fact]
    public async Task The_second_creator_registers_first_while_the_first_is_between_its_metadata_file_and_the_catalog()
    {
        await _fx.Catalog.CreateNamespaceAsync("db");
        var aWroteV1 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storeA = new HookedStore(_fx.Store)
        {
            AfterPutIfAbsent = async (key, created) =>
            {
                if (!key.EndsWith("v1.metadata.json", StringComparison.Ordinal)) return;
                aWroteV1.SetResult();
                await bDone.Task; // A holds here: v1 written, table not registered yet
            },
        };
        var creatorA = OpenOrCreateAsync(_fx.NewCatalog(), storeA);
        await aWroteV1.Task;
        IcebergTable b;
        try
        {
            b = await OpenOrCreateAsync(_fx.NewCatalog(), new HookedStore(_fx.Store)); // finds v1 taken, the catalog empty
        }
        finally
        {
            bDone.SetResult();
        }
        var a = await creatorA;
        Assert.Equal(b.MetadataLocation, a.MetadataLocation); // A lost the registration and opened B's table
        await AppendBothAndCheckAsync(a, b);
    }

    [Fact]
    public async Task The_first_creator_registers_while_the_second_is_about_to()
    {
        await _fx.Catalog.CreateNamespaceAsync("db");
        var aWroteV1 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bWaitsToRegister = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storeA = new HookedStore(_fx.Store)
        {
            AfterPutIfAbsent = async (key, created) =>
            {
                if (!key.EndsWith("v1.metadata.json", StringComparison.Ordinal)) return;
                aWroteV1.SetResult();
                await bWaitsToRegister.Task;
            },
        };
        var catalogB = new HeldCatalog(_fx.NewCatalog())
        {
            BeforeCreate = async () =>
            {
                bWaitsToRegister.TrySetResult();
                await aDone.Task; // B holds here: its own metadata file written, registration next
            },
        };
        var creatorA = OpenOrCreateAsync(_fx.NewCatalog(), storeA);
        await aWroteV1.Task;
        var creatorB = OpenOrCreateAsync(catalogB, new HookedStore(_fx.Store));
        _ = creatorB.ContinueWith(_ => bWaitsToRegister.TrySetResult(), TaskScheduler.Default); // B failing early releases A too
        var a = await creatorA;
        aDone.SetResult();
        var b = await creatorB;
        Assert.EndsWith("v1.metadata.json", a.MetadataLocation, StringComparison.Ordinal);
        Assert.Equal(a.MetadataLocation, b.MetadataLocation);
        await AppendBothAndCheckAsync(a, b);
    }

    [Fact]
    public async Task Metadata_of_a_table_the_catalog_does_not_list_is_not_overwritten()
    {
        var old = await _fx.CreateAsync("old");
        await old.AppendAsync(TableFixture.Events(old.Schema, 0, 5));
        Assert.True(await _fx.Catalog.DropTableAsync(new TableIdentifier("db", "old")));
        var e = await Assert.ThrowsAsync<Core.Errors.DativoException>(() =>
            IcebergTables.CreateAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", "again"), TableFixture.EventSchema,
                new CreateTableOptions { Location = old.Location }));
        Assert.Contains("does not list", e.Message, StringComparison.Ordinal);
        Assert.Contains("v2.metadata.json", e.Message, StringComparison.Ordinal);
    }
}
