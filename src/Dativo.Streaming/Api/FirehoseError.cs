namespace Dativo.Streaming.Api;

/// <summary>An error answered as AWS JSON 1.1 does: the status, <c>{"__type": type, "message": …}</c> and x-amzn-ErrorType.</summary>
internal sealed class FirehoseError(int status, string type, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public static FirehoseError Validation(string message) => new(400, "ValidationException", "1 validation error detected: " + message);

    public static FirehoseError InvalidArgument(string message) => new(400, "InvalidArgumentException", message);

    public static FirehoseError Serialization(string message) => new(400, "SerializationException", message);

    public static FirehoseError NotFound(string stream, string account) => new(400, "ResourceNotFoundException", $"Firehose {stream} under account {account} not found.");

    public static FirehoseError Unavailable(string message) => new(503, "ServiceUnavailableException", message);
}
