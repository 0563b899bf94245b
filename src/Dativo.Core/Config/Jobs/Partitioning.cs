using System.Globalization;
using System.Text.RegularExpressions;

namespace Dativo.Core.Config.Jobs;

/// <summary>A partition field of a job: <c>col</c>, <c>ingest_date</c>, <c>day(col)</c>, <c>bucket(16, col)</c>, ...</summary>
public sealed partial record Partitioning(string Transform, string Column, int? Argument)
{
    public const string IngestDate = "ingest_date";

    public static Partitioning? Parse(string text)
    {
        text = text.Trim();
        if (SimpleName().IsMatch(text)) return new Partitioning("identity", text, null);
        var m = Call().Match(text);
        if (!m.Success) return null;
        var fn = m.Groups["fn"].Value.ToLowerInvariant();
        var args = m.Groups["args"].Value.Split(',', StringSplitOptions.TrimEntries);
        return (fn, args.Length) switch
        {
            ("identity" or "year" or "month" or "day" or "hour" or "years" or "months" or "days" or "hours", 1) when SimpleName().IsMatch(args[0])
                => new Partitioning(fn.TrimEnd('s'), args[0], null),
            ("bucket" or "truncate", 2) when int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && SimpleName().IsMatch(args[1])
                => new Partitioning(fn, args[1], n),
            _ => null,
        };
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SimpleName();

    [GeneratedRegex(@"^(?<fn>[A-Za-z]+)\s*\((?<args>[^)]*)\)$")]
    private static partial Regex Call();
}
