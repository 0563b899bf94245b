using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dativo.Streaming.Jq;

/// <summary>A builtin call: <c>name</c> or <c>name(arg)</c>, applied to its input.</summary>
internal sealed class CallNode : JqNode
{
    private static readonly Dictionary<string, int> Arity = new(StringComparer.Ordinal)
    {
        ["strftime"] = 1, ["tostring"] = 0, ["tonumber"] = 0, ["ascii_downcase"] = 0, ["ascii_upcase"] = 0,
        ["floor"] = 0, ["todate"] = 0, ["tojson"] = 0, ["length"] = 0, ["ltrimstr"] = 1, ["rtrimstr"] = 1,
        ["not"] = 0, ["empty"] = 0,
    };

    private readonly string _name;
    private readonly JqNode? _arg;

    public CallNode(string name, JqNode? arg, int column)
    {
        if (!Arity.TryGetValue(name, out var arity))
            throw new FormatException($"column {column}: '{name}' is not supported (supported: {string.Join(", ", Arity.Keys)})");
        if (arity != (arg is null ? 0 : 1))
            throw new FormatException($"column {column}: {name} takes {arity} argument(s)");
        _name = name;
        _arg = arg;
    }

    public override JsonNode? Eval(JsonNode? input)
    {
        switch (_name)
        {
            case "strftime": return JsonValue.Create(Strftime(Number(input, "strftime"), Str(_arg!.Eval(input), "strftime's format")));
            case "todate": return JsonValue.Create(Strftime(Number(input, "todate"), "%Y-%m-%dT%H:%M:%SZ"));
            case "tostring":
                return JsonValue.Create(input is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : ToJson(input));
            case "tojson": return JsonValue.Create(ToJson(input));
            case "tonumber":
                if (input is JsonValue n && n.GetValueKind() == JsonValueKind.Number) return input.DeepClone();
                return double.TryParse(Str(input, "tonumber"), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? JsonValue.Create(d)
                    : throw new JqEvaluationException($"cannot parse '{Str(input, "tonumber")}' as a number");
            case "ascii_downcase": return JsonValue.Create(Str(input, "ascii_downcase").ToLowerInvariant());
            case "ascii_upcase": return JsonValue.Create(Str(input, "ascii_upcase").ToUpperInvariant());
            case "floor": return JsonValue.Create(Math.Floor(Number(input, "floor")));
            case "not": return JsonValue.Create(!Truthy(input));
            case "empty": return null;
            case "length":
                return JsonValue.Create(input switch
                {
                    null => 0d,
                    JsonObject o => o.Count,
                    JsonArray a => a.Count,
                    JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>().Length,
                    JsonValue x when x.GetValueKind() == JsonValueKind.Number => Math.Abs(x.GetValue<double>()),
                    _ => throw new JqEvaluationException($"{TypeName(input)} has no length"),
                });
            case "ltrimstr":
            case "rtrimstr":
            {
                if (input is not JsonValue sv || sv.GetValueKind() != JsonValueKind.String) return input;
                var s = sv.GetValue<string>();
                var a = _arg!.Eval(input) is JsonValue av && av.GetValueKind() == JsonValueKind.String ? av.GetValue<string>() : null;
                if (a is null) return input;
                if (_name == "ltrimstr" && s.StartsWith(a, StringComparison.Ordinal)) return JsonValue.Create(s[a.Length..]);
                if (_name == "rtrimstr" && s.EndsWith(a, StringComparison.Ordinal)) return JsonValue.Create(s[..^a.Length]);
                return input;
            }
            default: throw new InvalidOperationException(_name);
        }
    }

    private static string ToJson(JsonNode? n) => n is null ? "null" : n is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? FormatNumber(v.GetValue<double>()) : n.ToJsonString();

    /// <summary>C strftime over an epoch in seconds, in UTC (jq 1.6 applies gmtime to a number).</summary>
    internal static string Strftime(double epochSeconds, string format)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Floor(epochSeconds * 1000)).UtcDateTime;
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%' || i + 1 >= format.Length) { sb.Append(c); continue; }
            var f = format[++i];
            sb.Append(f switch
            {
                'Y' => t.Year.ToString("0000", ci),
                'y' => (t.Year % 100).ToString("00", ci),
                'C' => (t.Year / 100).ToString("00", ci),
                'm' => t.Month.ToString("00", ci),
                'd' => t.Day.ToString("00", ci),
                'e' => t.Day.ToString(ci).PadLeft(2),
                'H' => t.Hour.ToString("00", ci),
                'I' => (t.Hour % 12 == 0 ? 12 : t.Hour % 12).ToString("00", ci),
                'M' => t.Minute.ToString("00", ci),
                'S' => t.Second.ToString("00", ci),
                'j' => t.DayOfYear.ToString("000", ci),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'a' => t.DayOfWeek.ToString()[..3],
                'A' => t.DayOfWeek.ToString(),
                'b' or 'h' => ci.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
                'B' => ci.DateTimeFormat.GetMonthName(t.Month),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(ci),
                'w' => ((int)t.DayOfWeek).ToString(ci),
                's' => ((long)Math.Floor(epochSeconds)).ToString(ci),
                'Z' => "UTC",
                'z' => "+0000",
                'F' => t.ToString("yyyy-MM-dd", ci),
                'T' => t.ToString("HH:mm:ss", ci),
                'D' => t.ToString("MM/dd/yy", ci),
                'R' => t.ToString("HH:mm", ci),
                '%' => "%",
                _ => throw new JqEvaluationException($"strftime: '%{f}' is not supported"),
            });
        }
        return sb.ToString();
    }
}
