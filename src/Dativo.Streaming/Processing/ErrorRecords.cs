using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dativo.Streaming.Processing;

/// <summary>Error codes and the JSON line Firehose writes under the error prefix for a record it could not process.</summary>
internal static class ErrorRecords
{
    public const string ProcessingFailed = "processing-failed";

    public const string InvalidJson = "DynamicPartitioning.MetadataExtractionFailed";
    public const string MissingKey = "DynamicPartitioning.MetadataExtractionFailed";
    public const string InvalidPartitionKey = "DynamicPartitioning.InvalidPartitionKey";
    public const string PrefixTooLong = "DynamicPartitioning.PrefixTooLong";
    public const string ActivePartitionsExceeded = "DynamicPartitioning.ActivePartitionsLimitExceeded";
    public const string DeaggregationFailed = "DeAggregation.Failed";
    public const string TransformationFailed = "Lambda.ProcessingFailed";
    public const string TransformationInvokeFailed = "Lambda.InvokeFailed";
    public const string TransformationBadResponse = "Lambda.MissingRecordId";

    public static byte[] Render(long arrivalMs, string errorCode, string errorMessage, ReadOnlyMemory<byte> raw, TimeProvider time, int attempts = 1, string? lambdaArn = null)
    {
        var line = new ErrorLine
        {
            AttemptsMade = attempts,
            ArrivalTimestamp = arrivalMs,
            ErrorCode = errorCode,
            ErrorMessage = errorMessage,
            AttemptEndingTimestamp = time.GetUtcNow().ToUnixTimeMilliseconds(),
            RawData = Convert.ToBase64String(raw.Span),
            LambdaArn = lambdaArn,
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(line, ErrorLineJson.Default.ErrorLine);
        var withNewline = new byte[bytes.Length + 1];
        bytes.CopyTo(withNewline, 0);
        withNewline[^1] = (byte)'\n';
        return withNewline;
    }

    internal sealed class ErrorLine
    {
        [JsonPropertyName("attemptsMade")] public int AttemptsMade { get; set; }
        [JsonPropertyName("arrivalTimestamp")] public long ArrivalTimestamp { get; set; }
        [JsonPropertyName("errorCode")] public string ErrorCode { get; set; } = "";
        [JsonPropertyName("errorMessage")] public string ErrorMessage { get; set; } = "";
        [JsonPropertyName("attemptEndingTimestamp")] public long AttemptEndingTimestamp { get; set; }
        [JsonPropertyName("rawData")] public string RawData { get; set; } = "";
        [JsonPropertyName("lambdaArn")] public string? LambdaArn { get; set; }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorRecords.ErrorLine))]
internal sealed partial class ErrorLineJson : JsonSerializerContext;
