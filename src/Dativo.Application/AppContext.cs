namespace Dativo.Application;

/// <summary>
/// Where an application operation runs: environment lookup, clock, working directory, and where warnings go.
/// The CLI and the server each build one; tests give their own.
/// </summary>
public sealed record AppContext(Func<string, string?> Env, TimeProvider Time, string WorkDir, Action<string> Warn)
{
    /// <summary>Run history, logs and pipeline state of this working directory: <c>&lt;WorkDir&gt;/.dativo</c>.</summary>
    public string StateDirectory => Path.Combine(WorkDir, ".dativo");

    /// <summary>Attempt logs of runs: <c>&lt;WorkDir&gt;/.dativo/logs</c>.</summary>
    public string LogRoot => Path.Combine(StateDirectory, "logs");

    /// <summary>Secrets folder: the given one, else DATIVO_SECRETS_DIR, else <c>&lt;WorkDir&gt;/secrets</c>.</summary>
    public string SecretsDirectory(string? given = null) => given ?? Env("DATIVO_SECRETS_DIR") ?? Path.Combine(WorkDir, "secrets");
}
