using Dativo.Lake.Catalog.Sql;
using Dativo.Lake.State.Dynamo;

namespace Dativo.Lake.State;

/// <summary>Opens the state store: a SQLite file by default, PostgreSQL or DynamoDB when the URI says so.</summary>
public static class StateStores
{
    public const string DefaultFileName = "state.db";

    public static IStateStore Open(StateStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var time = options.Time ?? TimeProvider.System;
        if (DynamoLocation.Designates(options.Uri))
        {
            var env = options.Environment ?? Environment.GetEnvironmentVariable;
            return new DynamoStateStore(DynamoLocation.Parse(options.Uri!, env), time, options.PurgeInterval, env);
        }
        var db = SqlDatabases.Open(options.Uri, options.Directory, DefaultFileName, "state store");
        return new SqlStateStore(db, time, options.PurgeInterval);
    }
}
