using System.Text.Json;

namespace Dativo.Orchestration.Datasets;

/// <summary>Parses a dataset list: a JSON array of names, or an object with a <c>datasets</c> array.</summary>
public static class DatasetLists
{
    /// <summary>The names, or throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static List<string> Parse(string text, bool allowLines = false)
    {
        var trimmed = text.Trim();
        if (allowLines && !trimmed.StartsWith('[') && !trimmed.StartsWith('{'))
            return Check([.. trimmed.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))]);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(trimmed);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FormatException($"is not JSON ({e.Message.Split('.')[0]}); expected [\"a\", \"b\"] or {{\"datasets\": [...]}}");
        }
        if (root.ValueKind == JsonValueKind.Object)
        {
            if (!root.TryGetProperty("datasets", out var ds))
                throw new FormatException($"holds an object without a 'datasets' array (keys: {string.Join(", ", root.EnumerateObject().Select(p => p.Name))})");
            if (ds.ValueKind != JsonValueKind.Array) throw new FormatException("has 'datasets' that is not an array");
            root = ds;
        }
        if (root.ValueKind != JsonValueKind.Array)
            throw new FormatException($"holds a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not a list; expected [\"a\", \"b\"] or {{\"datasets\": [...]}}");
        var names = new List<string>();
        foreach (var e in root.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) throw new FormatException($"has a non-string entry {e.GetRawText()}");
            names.Add(e.GetString()!.Trim());
        }
        return Check(names);
    }

    private static List<string> Check(List<string> names)
    {
        if (names.Count == 0) throw new FormatException("holds an empty list");
        if (names.Any(string.IsNullOrWhiteSpace)) throw new FormatException("has an empty dataset name");
        var dup = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new FormatException($"names '{dup.Key}' twice; each dataset is one item");
        return names;
    }
}
