using Dativo.Core.Errors;

namespace Dativo.Aws;

/// <summary>
/// An AWS call that did not succeed: no region or credentials, the service unreachable, or (subclass
/// <see cref="AwsServiceException"/>) an error answer. Messages name the service and operation, never a key or signature.
/// </summary>
public class AwsException(string message, Exception? inner = null) : DativoException(message, ExitCodes.UserError, inner)
{
    /// <summary>The service could not be reached or did not answer in time (after the client's retries): whether the
    /// call took effect is unknown, so only a call with an idempotency token may be repeated.</summary>
    public bool Transient { get; init; }
}

/// <summary>An error answer from the service, with its code (e.g. <c>ResourceNotFoundException</c>) and message.</summary>
public sealed class AwsServiceException(string service, string operation, int statusCode, string code, string serviceMessage, string? requestId)
    : AwsException($"{service} {operation} failed: {code} (HTTP {statusCode}){(serviceMessage.Length > 0 ? ": " + serviceMessage : "")}{(requestId is null ? "" : $" [request id {requestId}]")}")
{
    public string Service { get; } = service;
    public string Operation { get; } = operation;
    public int StatusCode { get; } = statusCode;
    public string Code { get; } = code;
    public string ServiceMessage { get; } = serviceMessage;
    public string? RequestId { get; } = requestId;

    public bool IsThrottling => AwsRetry.IsThrottling(StatusCode, Code);
}
