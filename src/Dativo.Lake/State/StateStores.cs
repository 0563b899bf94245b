using Dativo.Lake.Catalog.Sql;

namespace Dativo.Lake.State;

/// <summary>Opens the state store (SQLite file by default, PostgreSQL when the URI says so).</summary>
public static class StateStores
{
    public const string DefaultFileName = "state.db";

    public static IStateStore Open(StateStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var db = SqlDatabases.Open(options.Uri, options.Directory, DefaultFileName, "state store");
        return new SqlStateStore(db, options.Time ?? TimeProvider.System, options.PurgeInterval);
    }
}
