namespace Dativo.Lake.State;

/// <summary>Where the state store keeps its rows.</summary>
public sealed record StateStoreOptions
{
    /// <summary>
    /// Null for SQLite at <c>&lt;Directory&gt;/state.db</c>; <c>sqlite:///path.db</c> or a path; PostgreSQL
    /// (<c>postgresql://user:pw@host:5432/db</c> or an Npgsql connection string); or DynamoDB
    /// (<c>dynamodb://TABLE?region=REGION[&amp;endpoint=URL]</c>, credentials from the AWS environment).
    /// </summary>
    public string? Uri { get; init; }

    /// <summary>Local folder for the default SQLite file.</summary>
    public string? Directory { get; init; }

    /// <summary>Clock for versions' timestamps and expiry; the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Environment lookup (AWS settings of a DynamoDB store); the process environment when null.</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>How often writes also purge expired rows.</summary>
    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromMinutes(5);
}
