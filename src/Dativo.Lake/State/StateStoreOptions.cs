namespace Dativo.Lake.State;

/// <summary>Where the state store keeps its rows.</summary>
public sealed record StateStoreOptions
{
    /// <summary>
    /// Null for SQLite at <c>&lt;Directory&gt;/state.db</c>; <c>sqlite:///path.db</c> or a path; or PostgreSQL
    /// (<c>postgresql://user:pw@host:5432/db</c> or an Npgsql connection string).
    /// </summary>
    public string? Uri { get; init; }

    /// <summary>Local folder for the default SQLite file.</summary>
    public string? Directory { get; init; }

    /// <summary>Clock for versions' timestamps and expiry; the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>How often writes also purge expired rows.</summary>
    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromMinutes(5);
}
