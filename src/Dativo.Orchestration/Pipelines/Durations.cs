using System.Globalization;
using System.Text.RegularExpressions;

namespace Dativo.Orchestration.Pipelines;

/// <summary>Parses durations such as <c>500ms</c>, <c>30s</c>, <c>15m</c>, <c>1h30m</c>, <c>7d</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var matches = Part().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)).Trim().Length != text.Trim().Length
            || Part().Replace(text, "").Trim().Length != 0) return false;
        double ms = 0;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ms += m.Groups[2].Value switch
            {
                "ms" => n,
                "s" => n * 1000,
                "m" => n * 60_000,
                "h" => n * 3_600_000,
                _ => n * 86_400_000,
            };
        }
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    public static TimeSpan? ParseOrNull(string? text) => TryParse(text, out var v) ? v : null;

    public static string Format(TimeSpan t) =>
        t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0}ms" :
        t.TotalSeconds < 60 ? $"{t.TotalSeconds:0.#}s" :
        t.TotalMinutes < 60 ? $"{t.TotalMinutes:0.#}m" : $"{t.TotalHours:0.#}h";

    [GeneratedRegex(@"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*")]
    private static partial Regex Part();
}
