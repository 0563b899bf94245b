namespace Dativo.Core.Tags;

/// <summary>
/// Governance that a derived table (a SQL output) inherits from its inputs, so an aggregate of personal or
/// financial data does not silently lose its owner, retention and classification. A key is inherited when every
/// input that has it agrees on the value; retention takes the longest of the inputs.
/// </summary>
public static class LineageTags
{
    private static readonly string[] Prefixes = ["governance.", "finops."];
    private const string Retention = "governance.retention_days";

    public static IReadOnlyDictionary<string, string> Inherit(IEnumerable<IReadOnlyDictionary<string, string>> inputs)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var conflicting = new HashSet<string>(StringComparer.Ordinal);
        foreach (var props in inputs)
        {
            foreach (var (key, value) in props)
            {
                if (key != "classification.default" && !Prefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal))) continue;
                if (!result.TryGetValue(key, out var seen)) result[key] = value;
                else if (key == Retention && long.TryParse(value, out var a) && long.TryParse(seen, out var b)) result[key] = Math.Max(a, b).ToString(System.Globalization.CultureInfo.InvariantCulture);
                else if (seen != value) conflicting.Add(key);
            }
        }
        foreach (var key in conflicting) result.Remove(key);
        return result;
    }
}
