using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dativo.Core.Infrastructure;

/// <summary>Renders Terraform variables as HCL (<c>*.auto.tfvars</c>) or JSON (<c>*.tfvars.json</c>), byte-for-byte deterministic.</summary>
public static class TfvarsWriter
{
    /// <summary>
    /// The file for <paramref name="path"/> (JSON when it ends in .json, else HCL headed by the comment <paramref name="header"/>).
    /// Keys of nested objects are quoted (maps such as tags may hold any key) unless <paramref name="nestedKeysAsIdentifiers"/>
    /// asks for bare identifiers, as object-typed variables are usually written; a key that is no identifier is quoted anyway.
    /// </summary>
    public static string Render(IReadOnlyList<KeyValuePair<string, JsonNode?>> vars, string path, string header, bool nestedKeysAsIdentifiers = false)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var o = new JsonObject(vars.Select(v => KeyValuePair.Create(v.Key, v.Value?.DeepClone())));
            return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        }
        var sb = new StringBuilder();
        sb.Append("# ").Append(header).Append('\n');
        WriteAttributes(sb, [.. vars.Select(v => (v.Key, v.Value))], 0, nestedKeysAsIdentifiers);
        return sb.ToString();
    }

    /// <summary>
    /// One attribute per line, laid out as <c>terraform fmt</c> does: the <c>=</c> of consecutive one-line attributes
    /// line up (a multi-line value, an object, ends the run and is not padded).
    /// </summary>
    private static void WriteAttributes(StringBuilder sb, IReadOnlyList<(string Key, JsonNode? Value)> attributes, int indent, bool bareKeys)
    {
        var rendered = attributes.Select(a =>
        {
            var value = new StringBuilder();
            WriteValue(value, a.Value, indent, bareKeys);
            var text = value.ToString();
            return (a.Key, Text: text, MultiLine: text.Contains('\n', StringComparison.Ordinal));
        }).ToList();
        for (var i = 0; i < rendered.Count;)
        {
            if (rendered[i].MultiLine)
            {
                sb.Append(' ', indent * 2).Append(rendered[i].Key).Append(" = ").Append(rendered[i].Text).Append('\n');
                i++;
                continue;
            }
            var end = i;
            while (end < rendered.Count && !rendered[end].MultiLine) end++;
            var width = rendered[i..end].Max(r => Width(r.Key));
            for (; i < end; i++)
                sb.Append(' ', indent * 2).Append(rendered[i].Key).Append(' ', width - Width(rendered[i].Key) + 1).Append("= ").Append(rendered[i].Text).Append('\n');
        }
    }

    private static bool IsIdentifier(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Columns a key takes: terraform fmt counts characters (runes), not bytes.</summary>
    private static int Width(string s) => s.EnumerateRunes().Count();

    private static void WriteValue(StringBuilder sb, JsonNode? value, int indent, bool bareKeys)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                if (o.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }
                sb.Append("{\n");
                WriteAttributes(sb, [.. o.Select(kv => (bareKeys && IsIdentifier(kv.Key) ? kv.Key : Quote(kv.Key), kv.Value))], indent + 1, bareKeys);
                sb.Append(' ', indent * 2).Append('}');
                break;
            case JsonArray a:
                // one line, unless an element spans lines (an object): then one element per line, as terraform fmt keeps it
                var items = a.Select(item =>
                {
                    var text = new StringBuilder();
                    WriteValue(text, item, indent + 1, bareKeys);
                    return text.ToString();
                }).ToList();
                if (items.Any(t => t.Contains('\n', StringComparison.Ordinal)))
                {
                    sb.Append("[\n");
                    foreach (var t in items) sb.Append(' ', (indent + 1) * 2).Append(t).Append(",\n");
                    sb.Append(' ', indent * 2).Append(']');
                }
                else sb.Append('[').AppendJoin(", ", items).Append(']');
                break;
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String: sb.Append(Quote(v.GetValue<string>())); break;
                    case JsonValueKind.True: sb.Append("true"); break;
                    case JsonValueKind.False: sb.Append("false"); break;
                    case JsonValueKind.Number: sb.Append(Number(v)); break;
                    default: sb.Append("null"); break;
                }
                break;
        }
    }

    private static string Number(JsonValue v) =>
        v.TryGetValue<long>(out var l) ? l.ToString(CultureInfo.InvariantCulture)
        : v.TryGetValue<int>(out var i) ? i.ToString(CultureInfo.InvariantCulture)
        : v.GetValue<double>().ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An HCL string literal; <c>${</c> and <c>%{</c> are escaped so values are never interpolated.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        for (var i = 0; i < s.Length; i++)
        {
            var ch = s[i];
            var next = i + 1 < s.Length ? s[i + 1] : '\0';
            switch (ch)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '$' when next == '{': sb.Append("$$"); break;
                case '%' when next == '{': sb.Append("%%"); break;
                default:
                    if (char.IsControl(ch)) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:X4}");
                    else sb.Append(ch);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
