using Dativo.Lake.Catalog.Sql;
using Dativo.Lake.State;
using Dativo.Testing;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Tests.State;

public sealed class SqliteStateStoreTests : StateStoreContractTests, IDisposable
{
    private readonly TempDir _dir = new("dativo-state-");

    protected override IStateStore NewStore() => StateStores.Open(new StateStoreOptions { Directory = _dir.Path, Time = Clock });

    protected override async Task<long> CountRowsAsync(string key)
    {
        await using var c = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, StateStores.DefaultFileName)}");
        await c.OpenAsync();
        return Convert.ToInt64(await c.ScalarAsync("SELECT COUNT(*) FROM dativo_state WHERE namespace = @ns AND state_key = @k", default, ("@ns", Ns), ("@k", key)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Writes_purge_expired_rows_in_passing()
    {
        var s = StateStores.Open(new StateStoreOptions { Directory = _dir.Path, Time = Clock, PurgeInterval = TimeSpan.FromMinutes(10) });
        await s.PutAsync(Ns, "tmp", "1", ttl: TimeSpan.FromMinutes(1));
        Clock.Advance(TimeSpan.FromMinutes(5));
        await s.PutAsync(Ns, "other", "1");
        Assert.Equal(1, await CountRowsAsync("tmp")); // purge not due yet
        Clock.Advance(TimeSpan.FromMinutes(10));
        await s.PutAsync(Ns, "other", "2");
        Assert.Equal(0, await CountRowsAsync("tmp"));
    }

    [Fact]
    public async Task State_db_uses_wal_and_accepts_sqlite_uris()
    {
        var path = Path.Combine(_dir.Path, "sub", "custom.db");
        var s = StateStores.Open(new StateStoreOptions { Uri = "sqlite:///" + path.TrimStart('/'), Time = Clock });
        await s.PutAsync(Ns, "k", "true");
        Assert.True(File.Exists(path));
        await using var c = new SqliteConnection($"Data Source={path}");
        await c.OpenAsync();
        Assert.Equal("wal", (string?)await c.ScalarAsync("PRAGMA journal_mode", default));
        Assert.Throws<Dativo.Core.Errors.DativoException>(() => StateStores.Open(new StateStoreOptions { Directory = "s3://bucket/x" }));
    }
}
