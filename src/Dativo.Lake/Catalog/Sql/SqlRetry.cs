namespace Dativo.Lake.Catalog.Sql;

/// <summary>
/// Retries a statement on transient lock/serialization errors with a short, growing pause. The
/// pauses are real time on purpose: they wait for another connection, not for the caller's clock.
/// </summary>
internal static class SqlRetry
{
    public static async Task<T> RunAsync<T>(SqlDatabase db, Func<CancellationToken, Task<T>> action, CancellationToken ct, int attempts = 8)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action(ct);
            }
            catch (Exception e) when (attempt < attempts && db.IsTransient(e))
            {
                var pause = TimeSpan.FromMilliseconds(Math.Min(2000, 25 * (1 << attempt)) + Random.Shared.Next(25));
                await Task.Delay(pause, TimeProvider.System, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && db.Describe(e) is { } described)
            {
                throw described;
            }
        }
    }
}
