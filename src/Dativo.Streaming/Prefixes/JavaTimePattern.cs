using System.Globalization;
using System.Text;

namespace Dativo.Streaming.Prefixes;

/// <summary>
/// The subset of Java's DateTimeFormatter patterns that Firehose prefixes use: y M d H h m s S D E a, quoted literals
/// (<c>'year='yyyy</c>, <c>''</c> for a quote) and other non-letters as literals. An unknown letter is an error,
/// so a typo fails at startup instead of writing wrong paths.
/// </summary>
internal sealed class JavaTimePattern
{
    private readonly List<(char Letter, int Count, string? Literal)> _parts;

    private JavaTimePattern(List<(char, int, string?)> parts) => _parts = parts;

    public static JavaTimePattern Parse(string pattern)
    {
        var parts = new List<(char, int, string?)>();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\'')
            {
                var sb = new StringBuilder();
                i++;
                if (i < pattern.Length && pattern[i] == '\'')
                {
                    parts.Add(('\0', 0, "'"));
                    i++;
                    continue;
                }
                while (true)
                {
                    if (i >= pattern.Length) throw new FormatException($"unterminated quote in timestamp pattern '{pattern}'");
                    if (pattern[i] == '\'')
                    {
                        if (i + 1 < pattern.Length && pattern[i + 1] == '\'') { sb.Append('\''); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(pattern[i++]);
                }
                parts.Add(('\0', 0, sb.ToString()));
            }
            else if (char.IsAsciiLetter(c))
            {
                var n = 1;
                while (i + n < pattern.Length && pattern[i + n] == c) n++;
                if ("yuMdHhmsSDEa".IndexOf(c, StringComparison.Ordinal) < 0)
                    throw new FormatException($"timestamp pattern '{pattern}' uses '{c}', which is not supported (use y M d H h m s S D E a and quoted text)");
                parts.Add((c, n, null));
                i += n;
            }
            else if (c is '[' or ']' or '{' or '}' or '#')
            {
                throw new FormatException($"timestamp pattern '{pattern}' uses the reserved character '{c}': quote it ('{c}')");
            }
            else
            {
                parts.Add(('\0', 0, c.ToString()));
                i++;
            }
        }
        return new JavaTimePattern(parts);
    }

    /// <summary>True when the pattern shows fractions of a second (S): its text can change within a second.</summary>
    public bool ShowsFractions => _parts.Exists(p => p.Letter == 'S');

    public string Format(DateTimeOffset at)
    {
        var t = at.UtcDateTime;
        var sb = new StringBuilder();
        foreach (var (letter, n, literal) in _parts)
        {
            if (literal is not null) { sb.Append(literal); continue; }
            sb.Append(letter switch
            {
                'y' or 'u' => n == 2 ? (t.Year % 100).ToString("00", CultureInfo.InvariantCulture) : t.Year.ToString(new string('0', Math.Max(n, 1)), CultureInfo.InvariantCulture),
                'M' => n switch
                {
                    1 => t.Month.ToString(CultureInfo.InvariantCulture),
                    2 => t.Month.ToString("00", CultureInfo.InvariantCulture),
                    3 => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
                    _ => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(t.Month),
                },
                'd' => Pad(t.Day, n),
                'H' => Pad(t.Hour, n),
                'h' => Pad(t.Hour % 12 == 0 ? 12 : t.Hour % 12, n),
                'm' => Pad(t.Minute, n),
                's' => Pad(t.Second, n),
                'S' => (t.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture).PadRight(n, '0')[..n],
                'D' => Pad(t.DayOfYear, n),
                'E' => n >= 4 ? t.DayOfWeek.ToString() : t.DayOfWeek.ToString()[..3],
                'a' => t.Hour < 12 ? "AM" : "PM",
                _ => throw new InvalidOperationException(),
            });
        }
        return sb.ToString();
    }

    private static string Pad(int value, int width) => value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
}
