namespace Dativo.Streaming.Config;

/// <summary>One piece of an S3 prefix: literal text or a <c>!{namespace:value}</c> expression.</summary>
internal abstract record PrefixPart;

internal sealed record LiteralPart(string Text) : PrefixPart;

/// <summary><c>!{timestamp:PATTERN}</c>: a Java DateTimeFormatter pattern (quoted text literal), one instant per prefix.</summary>
internal sealed record TimestampPart(string Pattern) : PrefixPart;

/// <summary><c>!{firehose:random-string}</c>: 11 random characters, a new value per occurrence.</summary>
internal sealed record RandomStringPart : PrefixPart;

/// <summary><c>!{firehose:error-output-type}</c>: the failure kind, only in an error prefix.</summary>
internal sealed record ErrorOutputTypePart : PrefixPart;

/// <summary><c>!{partitionKeyFromQuery:KEY}</c> or <c>!{partitionKeyFromLambda:KEY}</c>.</summary>
internal sealed record PartitionKeyPart(PartitionKeySource Source, string Key) : PrefixPart;

internal enum PartitionKeySource { Query, Lambda }

/// <summary>
/// A Firehose S3 prefix, parsed. Parsing checks only the syntax (every <c>!{</c> opens a known expression); the rules
/// that depend on the stream (error prefix, dynamic partitioning, keys of the jq query) are in <see cref="StreamRules"/>.
/// </summary>
internal sealed record S3Prefix(string Text, IReadOnlyList<PrefixPart> Parts)
{
    public const int MaxEvaluatedLength = 512;

    public static readonly string[] Namespaces = ["timestamp", "firehose", "partitionKeyFromQuery", "partitionKeyFromLambda"];

    public static readonly string[] FirehoseValues = ["random-string", "error-output-type"];

    /// <summary>Letters a timestamp pattern may use outside quotes: year, month, day, hour, minute, second, fraction.</summary>
    public const string TimestampLetters = "yuMdHms";

    public bool HasExpressions => Parts.Any(p => p is not LiteralPart);

    public bool HasTimestamp => Parts.Any(p => p is TimestampPart);

    public IEnumerable<PartitionKeyPart> PartitionKeys => Parts.OfType<PartitionKeyPart>();

    /// <summary>Parses a prefix; on a syntax error returns null and a message saying what is wrong and how to fix it.</summary>
    public static (S3Prefix? Prefix, string? Error) Parse(string text)
    {
        var parts = new List<PrefixPart>();
        var literal = new System.Text.StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("!{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Append(text, i, text.Length - i);
                break;
            }
            literal.Append(text, i, open - i);
            var close = text.IndexOf('}', open + 2);
            if (close < 0)
                return (null, $"'!{{' at character {open + 1} opens an expression that is never closed; '!{{' may only open an expression !{{namespace:value}}");
            var body = text[(open + 2)..close];
            var (part, error) = Expression(body);
            if (part is null) return (null, error);
            if (literal.Length > 0) parts.Add(new LiteralPart(literal.ToString()));
            literal.Clear();
            parts.Add(part);
            i = close + 1;
        }
        if (literal.Length > 0) parts.Add(new LiteralPart(literal.ToString()));
        return (new S3Prefix(text, parts), null);
    }

    private static (PrefixPart? Part, string? Error) Expression(string body)
    {
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return (null, $"expression '!{{{body}}}' has no namespace; write !{{namespace:value}} with a namespace among {string.Join(", ", Namespaces)}");
        var ns = body[..colon];
        var value = body[(colon + 1)..];
        switch (ns)
        {
            case "timestamp":
                var patternError = CheckTimestampPattern(value);
                return patternError is null ? (new TimestampPart(value), null) : (null, $"!{{timestamp:{value}}}: {patternError}");
            case "firehose" when value == "random-string":
                return (new RandomStringPart(), null);
            case "firehose" when value == "error-output-type":
                return (new ErrorOutputTypePart(), null);
            case "firehose":
                return (null, $"!{{firehose:{value}}}: unknown value{Dativo.Core.Text.NearMiss.Hint(value, FirehoseValues)}; the firehose namespace has {string.Join(" and ", FirehoseValues)}");
            case "partitionKeyFromQuery" or "partitionKeyFromLambda":
                if (value.Length == 0) return (null, $"!{{{ns}:}} names no key; write !{{{ns}:KEY}}");
                return (new PartitionKeyPart(ns == "partitionKeyFromQuery" ? PartitionKeySource.Query : PartitionKeySource.Lambda, value), null);
            default:
                return (null, $"'!{{{body}}}': unknown namespace '{ns}'{Dativo.Core.Text.NearMiss.Hint(ns, Namespaces)}; namespaces are {string.Join(", ", Namespaces)}");
        }
    }

    /// <summary>Null when the pattern is one the delivery service evaluates: supported letters, balanced single quotes.</summary>
    public static string? CheckTimestampPattern(string pattern)
    {
        if (pattern.Length == 0) return "empty pattern; e.g. !{timestamp:yyyy/MM/dd/HH}";
        var quoted = false;
        foreach (var ch in pattern)
        {
            if (ch == '\'') quoted = !quoted;
            else if (!quoted && char.IsAsciiLetter(ch) && !TimestampLetters.Contains(ch))
                return $"pattern letter '{ch}' is not supported (supported: {string.Join(" ", TimestampLetters.ToCharArray())}); put literal text in single quotes, e.g. 'year='yyyy";
        }
        return quoted ? "a single quote is not closed; literal text goes between two single quotes" : null;
    }

    public override string ToString() => Text;
}
