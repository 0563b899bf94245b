using System.Globalization;
using System.Text.RegularExpressions;

namespace Dativo.Orchestration.Scheduling;

/// <summary>A trigger's prefix template such as <c>cyi/{date:yyyy-MM-dd}/</c>: the fixed part to list, and the date a key belongs to.</summary>
internal sealed class ArrivalPrefix
{
    private readonly Regex _pattern;
    private readonly string _format;

    public ArrivalPrefix(string template)
    {
        var m = Regex.Match(template, @"\{date:([^}]+)\}");
        _format = m.Groups[1].Value;
        ListPrefix = template[..m.Index];
        _pattern = new Regex("^" + Regex.Escape(template[..m.Index]) + "(?<date>[^/]+)" + Regex.Escape(template[(m.Index + m.Length)..]), RegexOptions.CultureInvariant);
    }

    /// <summary>The part before the date: where listing starts.</summary>
    public string ListPrefix { get; }

    /// <summary>The date (yyyy-MM-dd) of a key under the template, or null for a key outside it.</summary>
    public string? DateOf(string key)
    {
        var m = _pattern.Match(key);
        if (!m.Success || !DateOnly.TryParseExact(m.Groups["date"].Value, _format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return null;
        return d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
