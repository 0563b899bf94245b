namespace Dativo.Orchestration.Datasets;

/// <summary>Reads SSM parameters and Secrets Manager secrets. Null means "does not exist".</summary>
public interface IAwsValueReader
{
    /// <exception cref="SourceUnavailableException">no region/credentials, or the service cannot be reached</exception>
    Task<string?> GetParameterAsync(string name, string? region, CancellationToken ct);

    /// <exception cref="SourceUnavailableException">no region/credentials, or the service cannot be reached</exception>
    Task<string?> GetSecretAsync(string secretId, string? region, CancellationToken ct);

    Task PutParameterAsync(string name, string value, string? region, CancellationToken ct);

    Task PutSecretAsync(string secretId, string value, string? region, CancellationToken ct);
}

/// <summary>A source that could not be consulted (so the next source is tried).</summary>
public sealed class SourceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
