using Dativo.Lake.Catalog.Sql;
using Dativo.Lake.State;
using Dativo.Testing.Services;
using Npgsql;

namespace Dativo.Lake.Tests.State;

public sealed class PostgresStateStoreTests(PostgresDatabaseFixture db) : StateStoreContractTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override IStateStore NewStore() => StateStores.Open(new StateStoreOptions { Uri = db.ConnectionString, Time = Clock });

    protected override void SkipIfUnavailable() => Skip.If(db.SkipReason is not null, db.SkipReason);

    protected override async Task<long> CountRowsAsync(string key)
    {
        await using var c = new NpgsqlConnection(db.ConnectionString);
        await c.OpenAsync();
        return Convert.ToInt64(await c.ScalarAsync("SELECT COUNT(*) FROM dativo_state WHERE namespace = @ns AND state_key = @k", default, ("@ns", Ns), ("@k", key)));
    }
}
