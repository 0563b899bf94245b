using System.Data.Common;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>
/// Runs work on a SQL database after its tables were created once (the creation is retried on the next call if it
/// failed), each unit of work on its own connection with lock/serialization retries.
/// </summary>
internal sealed class SchemaGuard(SqlDatabase db, Func<DbConnection, CancellationToken, Task> createSchema)
{
    private readonly Lock _gate = new();
    private Task? _schema;

    public async Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> action, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        return await SqlRetry.RunAsync(db, async token =>
        {
            await using var c = await db.OpenAsync(token);
            return await action(c, token);
        }, ct);
    }

    /// <summary>For streaming readers that hold their own connection.</summary>
    public Task EnsureSchemaAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_schema is null || _schema.IsFaulted || _schema.IsCanceled)
                _schema = SqlRetry.RunAsync(db, async token =>
                {
                    await using var c = await db.OpenAsync(token);
                    await createSchema(c, token);
                    return 0;
                }, ct);
            return _schema.WaitAsync(ct);
        }
    }
}
