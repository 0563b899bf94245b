using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Infrastructure;

namespace Dativo.Streaming.Config;

/// <summary>
/// Terraform variables as HCL laid out exactly as <c>terraform fmt</c> does: the <c>=</c> of consecutive one-line
/// attributes aligned, nested objects one attribute per line. Keys are identifiers; strings are quoted so that
/// <c>${</c> and <c>%{</c> stay literal (a prefix like <c>!{timestamp:yyyy}</c> is passed through unchanged).
/// </summary>
internal static class HclTfvars
{
    public static string Render(IReadOnlyList<KeyValuePair<string, JsonNode?>> vars, string header)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(header).Append('\n');
        Block(sb, vars, 0);
        return sb.ToString();
    }

    private static void Block(StringBuilder sb, IReadOnlyList<KeyValuePair<string, JsonNode?>> entries, int indent)
    {
        var i = 0;
        while (i < entries.Count)
        {
            if (IsMultiLine(entries[i].Value))
            {
                var (key, value) = entries[i++];
                sb.Append(' ', indent * 2).Append(key).Append(" = {\n");
                Block(sb, [.. ((JsonObject)value!)], indent + 1);
                sb.Append(' ', indent * 2).Append("}\n");
                continue;
            }
            var end = i;
            while (end < entries.Count && !IsMultiLine(entries[end].Value)) end++;
            var width = entries.Skip(i).Take(end - i).Max(e => e.Key.Length);
            for (; i < end; i++)
                sb.Append(' ', indent * 2).Append(entries[i].Key.PadRight(width)).Append(" = ").Append(Inline(entries[i].Value)).Append('\n');
        }
    }

    private static bool IsMultiLine(JsonNode? v) => v is JsonObject { Count: > 0 };

    private static string Inline(JsonNode? v) => v switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray a => "[" + string.Join(", ", a.Select(Inline)) + "]",
        JsonValue x => x.GetValueKind() switch
        {
            JsonValueKind.String => TfvarsWriter.Quote(x.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => x.TryGetValue<long>(out var l) ? l.ToString(CultureInfo.InvariantCulture)
                : x.TryGetValue<int>(out var n) ? n.ToString(CultureInfo.InvariantCulture)
                : x.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
            _ => "null",
        },
        _ => "null",
    };
}
