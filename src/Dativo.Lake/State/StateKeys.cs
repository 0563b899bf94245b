using System.Text;
using System.Text.Json;

namespace Dativo.Lake.State;

/// <summary>
/// Limits every backend shares, so a key or value that works on SQLite also works on PostgreSQL and DynamoDB:
/// namespaces up to 255 characters, keys up to 1024 UTF-8 bytes (DynamoDB's sort-key limit), well-formed
/// Unicode without NUL (PostgreSQL text cannot hold it), values that are JSON.
/// </summary>
internal static class StateKeys
{
    public const int MaxNamespaceLength = 255;
    public const int MaxKeyBytes = 1024;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Validate(string ns, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (ns.Length > MaxNamespaceLength) throw new ArgumentException($"state namespace longer than {MaxNamespaceLength} characters", nameof(ns));
        CheckText(ns, nameof(ns));
        if (CheckText(key, nameof(key)) > MaxKeyBytes) throw new ArgumentException($"state key longer than {MaxKeyBytes} UTF-8 bytes", nameof(key));
    }

    public static void ValidatePrefix(string ns, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentNullException.ThrowIfNull(prefix);
        CheckText(prefix, nameof(prefix));
    }

    public static void ValidateJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"state value is not valid JSON: {e.Message}", nameof(json), e);
        }
    }

    /// <summary>The order every backend lists keys in: Unicode code points (= UTF-8 bytes, what SQLite BINARY, PostgreSQL "C" and DynamoDB compare).</summary>
    public static int Compare(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var ma = ea.MoveNext();
            var mb = eb.MoveNext();
            if (!ma || !mb) return ma.CompareTo(mb);
            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0) return c;
        }
    }

    public static IComparer<string> Order { get; } = Comparer<string>.Create(Compare);

    /// <summary>Length in code points (what SQL substr counts), not UTF-16 units.</summary>
    public static int CodePoints(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    private static int CheckText(string s, string param)
    {
        if (s.Contains('\0')) throw new ArgumentException($"state {param} contains a NUL character", param);
        try
        {
            return Strict.GetByteCount(s);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"state {param} is not well-formed Unicode (a lone surrogate)", param);
        }
    }
}
