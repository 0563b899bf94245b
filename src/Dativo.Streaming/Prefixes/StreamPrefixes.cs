using Dativo.Core.Errors;

namespace Dativo.Streaming.Prefixes;

/// <summary>
/// The prefix and error prefix of one stream with Firehose's rules applied: the default time suffix, the default error
/// prefix, and the checks Firehose makes when a stream is created (each failing with the YAML key to fix).
/// </summary>
internal sealed class StreamPrefixes
{
    public const string DefaultTimeSuffix = "!{timestamp:yyyy/MM/dd/HH/}";

    /// <summary>Firehose's limit on an evaluated prefix.</summary>
    public const int MaxEvaluatedLength = 512;

    private StreamPrefixes(PrefixTemplate prefix, PrefixTemplate errorPrefix)
    {
        Prefix = prefix;
        ErrorPrefix = errorPrefix;
    }

    public PrefixTemplate Prefix { get; }

    public PrefixTemplate ErrorPrefix { get; }

    public static StreamPrefixes Create(string stream, string? prefix, string? errorPrefix, bool dynamicPartitioning)
    {
        var where = $"stream '{stream}'";
        var given = Parse(prefix ?? "", where, "s3_dynamic_prefix");
        PrefixTemplate? givenError = string.IsNullOrEmpty(errorPrefix) ? null : Parse(errorPrefix, where, "s3_error_prefix");

        if (dynamicPartitioning && (string.IsNullOrEmpty(prefix) || givenError is null))
            throw new DativoException($"{where}: with enable_dynamic_partitioning both dynamic_partitioning_config.s3_dynamic_prefix and s3_error_prefix are required");
        if (!dynamicPartitioning && (given.HasPartitionKeys || givenError?.HasPartitionKeys == true))
            throw new DativoException($"{where}: !{{partitionKeyFromQuery:…}} and !{{partitionKeyFromLambda:…}} can only be used with enable_dynamic_partitioning: true");
        if (given.HasErrorOutputType)
            throw new DativoException($"{where}: !{{firehose:error-output-type}} is only allowed in s3_error_prefix, not in s3_dynamic_prefix");
        if (givenError?.HasPartitionKeys == true)
            throw new DativoException($"{where}: s3_error_prefix cannot use partition keys (records that fail have none)");
        if (givenError is null && given.HasExpressions)
            throw new DativoException($"{where}: s3_error_prefix is required when s3_dynamic_prefix contains expressions (Firehose: ErrorOutputPrefix can't be null when Prefix contains expressions)");
        if (givenError is not null && !givenError.HasErrorOutputType)
            throw new DativoException($"{where}: s3_error_prefix must contain !{{firehose:error-output-type}}, e.g. \"errors/!{{firehose:error-output-type}}/\"");

        var (effective, effectiveError) = Effective(prefix, errorPrefix, dynamicPartitioning);
        return new StreamPrefixes(Parse(effective, where, "s3_dynamic_prefix"), Parse(effectiveError, where, errorPrefix is null ? "s3_dynamic_prefix" : "s3_error_prefix"));
    }

    /// <summary>
    /// The prefixes Firehose evaluates for the ones written — the one rule the configuration (<c>stream check</c>) and
    /// the runtime both apply: a prefix without a timestamp expression gets <see cref="DefaultTimeSuffix"/> appended,
    /// unless dynamic partitioning is on (its prefix is used as written, as the AWS example in the golden cases shows);
    /// no error prefix means <c>&lt;prefix&gt;!{firehose:error-output-type}/</c> and the hourly folders. A literal
    /// prefix is concatenated as written (<c>myFirehosePrefix</c> → <c>myFirehosePrefix2018/08/27/10/</c>).
    /// </summary>
    public static (string Prefix, string ErrorPrefix) Effective(string? prefix, string? errorPrefix, bool dynamicPartitioning)
    {
        var given = prefix ?? "";
        // '!{' only ever opens an expression, so the text says whether the prefix has a timestamp
        var hasTimestamp = given.Contains("!{timestamp:", StringComparison.Ordinal);
        var effective = hasTimestamp || dynamicPartitioning ? given : given + DefaultTimeSuffix;
        var error = string.IsNullOrEmpty(errorPrefix) ? given + "!{firehose:error-output-type}/" + DefaultTimeSuffix : errorPrefix;
        return (effective, error);
    }

    private static PrefixTemplate Parse(string text, string where, string key)
    {
        try
        {
            return PrefixTemplate.Parse(text);
        }
        catch (FormatException e)
        {
            throw new DativoException($"{where}: dynamic_partitioning_config.{key} '{text}': {e.Message}");
        }
    }

    /// <summary>
    /// Why <paramref name="value"/> cannot be a partition key, or null when it can: a value becomes part of an object
    /// key and must never leave its prefix or add folders (no '/', '\', '.', '..', control characters, empty).
    /// </summary>
    public static string? RejectPartitionValue(string value)
    {
        if (value.Length == 0) return "is empty";
        if (value is "." or "..") return $"is '{value}'";
        if (value.Length > MaxEvaluatedLength) return $"is longer than {MaxEvaluatedLength} characters";
        foreach (var c in value)
        {
            if (c is '/' or '\\') return $"contains '{c}'";
            if (char.IsControl(c)) return $"contains the control character U+{(int)c:X4}";
        }
        return null;
    }
}
