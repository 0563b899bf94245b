namespace Dativo.Streaming.Config;

/// <summary>
/// The partition keys a Firehose <c>MetadataExtractionQuery</c> defines: the keys of the object its last pipe stage
/// builds (<c>{customer_id: .customer_id, year: .ts | strftime("%Y")}</c>, shorthand <c>{customer_id}</c>, quoted keys).
/// Only the shape is read here; evaluating the query is the delivery service's job.
/// </summary>
internal static class JqQueryKeys
{
    /// <summary>The keys, or an error saying why the query does not build an object with fixed keys.</summary>
    public static (IReadOnlyList<string>? Keys, string? Error) Extract(string query)
    {
        var stages = SplitTopLevel(query.Trim(), '|', out var balanceError);
        if (balanceError is not null) return (null, balanceError);
        var last = stages[^1].Trim();
        if (last.Length < 2 || last[0] != '{' || last[^1] != '}' || Close(last, 0) != last.Length - 1)
            return (null, "the query must end by building an object of partition keys, e.g. {customer_id: .customer_id}");
        var keys = new List<string>();
        foreach (var entry in SplitTopLevel(last[1..^1], ',', out _))
        {
            var e = entry.Trim();
            if (e.Length == 0) return (null, "the object has an empty entry (two commas, or a trailing comma)");
            var colon = IndexTopLevel(e, ':');
            var key = (colon < 0 ? e : e[..colon]).Trim();
            if (key.StartsWith('"') && key.EndsWith('"') && key.Length >= 2) key = key[1..^1];
            else if (key.StartsWith('$')) key = key[1..];
            else if (key.StartsWith('.') && colon < 0) key = key[1..];
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
                return (null, $"cannot read a fixed key from '{e}'; partition keys are names: {{name: .path}}");
            keys.Add(key);
        }
        if (keys.Count == 0) return (null, "the object defines no partition key, e.g. {customer_id: .customer_id}");
        var duplicate = keys.GroupBy(k => k).FirstOrDefault(g => g.Count() > 1);
        return duplicate is not null ? (null, $"key '{duplicate.Key}' is defined twice") : (keys, null);
    }

    private static List<string> SplitTopLevel(string text, char separator, out string? error)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        error = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                i = EndOfString(text, i);
                if (i < 0) { error = "a string literal is not closed"; return [text]; }
            }
            else if (c is '{' or '(' or '[') depth++;
            else if (c is '}' or ')' or ']')
            {
                if (--depth < 0) { error = $"'{c}' closes nothing"; return [text]; }
            }
            else if (c == separator && depth == 0)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }
        if (depth != 0) error = "a bracket is not closed";
        parts.Add(text[start..]);
        return parts;
    }

    private static int IndexTopLevel(string text, char wanted) =>
        SplitTopLevel(text, wanted, out _) is { Count: > 1 } parts ? parts[0].Length : -1;

    /// <summary>Index of the bracket closing the one at <paramref name="open"/>, or -1.</summary>
    private static int Close(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"') { i = EndOfString(text, i); if (i < 0) return -1; }
            else if (c is '{' or '(' or '[') depth++;
            else if (c is '}' or ')' or ']' && --depth == 0) return i;
        }
        return -1;
    }

    private static int EndOfString(string text, int quote)
    {
        for (var i = quote + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') i++;
            else if (text[i] == '"') return i;
        }
        return -1;
    }
}
