using System.Text;

namespace Dativo.Streaming.Prefixes;

/// <summary>A parsed Firehose prefix: literals and <c>!{namespace:value}</c> expressions.</summary>
internal sealed class PrefixTemplate
{
    /// <summary>Stands for a <c>firehose:random-string</c> in a buffer key; replaced per object (never in a valid key).</summary>
    public const char RandomMarker = '\u0001';

    private readonly List<Part> _parts;

    private PrefixTemplate(string text, List<Part> parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    public bool HasExpressions => _parts.Any(p => p.Kind != PartKind.Literal);

    public bool HasTimestamp => _parts.Any(p => p.Kind == PartKind.Timestamp);

    public bool HasErrorOutputType => _parts.Any(p => p.Kind == PartKind.ErrorOutputType);

    public IEnumerable<string> QueryKeys => _parts.Where(p => p.Kind == PartKind.Query).Select(p => p.Value);

    public IEnumerable<string> LambdaKeys => _parts.Where(p => p.Kind == PartKind.Lambda).Select(p => p.Value);

    /// <summary>The span of time within which an evaluation gives the same text for the same keys (1 ms with fractions of seconds).</summary>
    public long TimeGranularityMs => _parts.Any(p => p.Pattern?.ShowsFractions == true) ? 1 : 1000;

    public bool HasPartitionKeys => _parts.Any(p => p.Kind is PartKind.Query or PartKind.Lambda);

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static PrefixTemplate Parse(string text)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("!{", i, StringComparison.Ordinal);
            if (open < 0) { literal.Append(text, i, text.Length - i); break; }
            literal.Append(text, i, open - i);
            var close = text.IndexOf('}', open + 2);
            if (close < 0) throw new FormatException($"'!{{' at position {open} is not closed by '}}' ('!{{' may only open an expression)");
            var body = text[(open + 2)..close];
            var colon = body.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new FormatException($"expression '!{{{body}}}' needs the form !{{namespace:value}}");
            var ns = body[..colon];
            var value = body[(colon + 1)..];
            if (literal.Length > 0) { parts.Add(new Part(PartKind.Literal, literal.ToString(), null)); literal.Clear(); }
            parts.Add(ns switch
            {
                "timestamp" => new Part(PartKind.Timestamp, value, JavaTimePattern.Parse(value)),
                "firehose" => value switch
                {
                    "random-string" => new Part(PartKind.Random, value, null),
                    "error-output-type" => new Part(PartKind.ErrorOutputType, value, null),
                    _ => throw new FormatException($"unknown expression '!{{firehose:{value}}}' (use random-string or error-output-type)"),
                },
                "partitionKeyFromQuery" => new Part(PartKind.Query, RequireKey(value, ns), null),
                "partitionKeyFromLambda" => new Part(PartKind.Lambda, RequireKey(value, ns), null),
                _ => throw new FormatException($"unknown namespace '{ns}' in '!{{{body}}}' (use timestamp, firehose, partitionKeyFromQuery or partitionKeyFromLambda)"),
            });
            i = close + 1;
        }
        if (literal.Length > 0) parts.Add(new Part(PartKind.Literal, literal.ToString(), null));
        return new PrefixTemplate(text, parts);
    }

    private static string RequireKey(string value, string ns) =>
        value.Length > 0 ? value : throw new FormatException($"'!{{{ns}:}}' needs a key name");

    /// <summary>
    /// Evaluates the prefix. Every timestamp uses <paramref name="at"/> (UTC); each random string becomes
    /// <see cref="RandomMarker"/> (see <see cref="FillRandom"/>). Partition keys must already be validated.
    /// </summary>
    public string Evaluate(DateTimeOffset at, IReadOnlyDictionary<string, string>? queryKeys, IReadOnlyDictionary<string, string>? lambdaKeys, string? errorOutputType)
    {
        var sb = new StringBuilder();
        foreach (var p in _parts)
        {
            switch (p.Kind)
            {
                case PartKind.Literal: sb.Append(p.Value); break;
                case PartKind.Timestamp: sb.Append(p.Pattern!.Format(at)); break;
                case PartKind.Random: sb.Append(RandomMarker); break;
                case PartKind.ErrorOutputType:
                    sb.Append(errorOutputType ?? throw new InvalidOperationException("!{firehose:error-output-type} outside the error prefix"));
                    break;
                case PartKind.Query:
                    sb.Append(queryKeys is not null && queryKeys.TryGetValue(p.Value, out var q) ? q : throw new MissingPartitionKeyException(p.Value, "partitionKeyFromQuery"));
                    break;
                case PartKind.Lambda:
                    sb.Append(lambdaKeys is not null && lambdaKeys.TryGetValue(p.Value, out var l) ? l : throw new MissingPartitionKeyException(p.Value, "partitionKeyFromLambda"));
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Replaces each random marker by 11 characters drawn from <paramref name="random"/> (seeded per object, so a replay names it again the same).</summary>
    public static string FillRandom(string evaluated, Random random)
    {
        if (evaluated.IndexOf(RandomMarker, StringComparison.Ordinal) < 0) return evaluated;
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var sb = new StringBuilder();
        foreach (var c in evaluated)
        {
            if (c != RandomMarker) { sb.Append(c); continue; }
            for (var k = 0; k < 11; k++) sb.Append(alphabet[random.Next(alphabet.Length)]);
        }
        return sb.ToString();
    }

    private enum PartKind
    {
        Literal,
        Timestamp,
        Random,
        ErrorOutputType,
        Query,
        Lambda,
    }

    private sealed record Part(PartKind Kind, string Value, JavaTimePattern? Pattern);
}

internal sealed class MissingPartitionKeyException(string key, string ns)
    : Exception($"partition key '{key}' ({ns}) is missing for this record")
{
    public string Key { get; } = key;
}
