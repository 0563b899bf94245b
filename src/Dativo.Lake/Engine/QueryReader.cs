using System.Data.Common;

namespace Dativo.Lake.Engine;

/// <summary>A streaming query result of <see cref="DuckDbEngine.OpenReaderAsync"/>; disposing it releases the result.</summary>
public sealed class QueryReader : IAsyncDisposable
{
    private readonly DbCommand _command;

    internal QueryReader(DbCommand command, DbDataReader reader)
    {
        _command = command;
        Reader = reader;
    }

    /// <summary>The rows (ADO.NET reader; BLOB values come as streams valid on the current row only).</summary>
    public DbDataReader Reader { get; }

    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync().ConfigureAwait(false);
        await _command.DisposeAsync().ConfigureAwait(false);
    }
}
