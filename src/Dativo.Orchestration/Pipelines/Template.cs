using System.Text;
using System.Text.RegularExpressions;

namespace Dativo.Orchestration.Pipelines;

/// <summary>
/// <c>{{ name }}</c> / <c>{{ a.b.c }}</c> substitution. There is no logic in templates: a reference is
/// either defined (checked when the pipeline is loaded) or an error.
/// </summary>
public static partial class Template
{
    /// <summary>The variable references in <paramref name="text"/>, or an error for malformed ones.</summary>
    public static IEnumerable<(string? Reference, string? Error)> References(string text)
    {
        foreach (Match m in Placeholder().Matches(text))
        {
            var expr = m.Groups[1].Value.Trim();
            yield return Reference().IsMatch(expr)
                ? (expr, null)
                : (null, $"'{{{{{m.Groups[1].Value}}}}}' is not a variable reference; write {{{{ name }}}} or {{{{ outputs.task.key }}}}");
        }
        var stray = Placeholder().Replace(text, "");
        if (stray.Contains("{{", StringComparison.Ordinal))
            yield return (null, "unclosed '{{' (a template variable needs '}}')");
    }

    /// <summary>Substitutes every reference; <paramref name="resolve"/> returns null for an undefined one.</summary>
    public static string Render(string text, Func<string, string?> resolve)
    {
        if (!text.Contains("{{", StringComparison.Ordinal)) return text;
        var sb = new StringBuilder();
        var last = 0;
        foreach (Match m in Placeholder().Matches(text))
        {
            sb.Append(text, last, m.Index - last);
            var expr = m.Groups[1].Value.Trim();
            sb.Append(resolve(expr) ?? throw new Core.Errors.DativoException(Undefined(expr)));
            last = m.Index + m.Length;
        }
        sb.Append(text, last, text.Length - last);
        return sb.ToString();
    }

    /// <summary>The text as literal pieces and references, in order: (literal, null) or ("", reference).</summary>
    internal static IEnumerable<(string Literal, string? Reference)> Split(string text)
    {
        var last = 0;
        foreach (Match m in Placeholder().Matches(text))
        {
            if (m.Index > last) yield return (text[last..m.Index], null);
            yield return ("", m.Groups[1].Value.Trim());
            last = m.Index + m.Length;
        }
        if (last < text.Length) yield return (text[last..], null);
    }

    /// <summary>
    /// Whether a reference's value comes from data rather than from whoever wrote or started the pipeline: the foreach
    /// item, task outputs, and parameters a parent pipeline filled from such values. Paths treat those values as untrusted.
    /// </summary>
    public static bool IsData(string reference, IReadOnlySet<string> dataParams) =>
        reference is "dataset" or "item"
        || reference.StartsWith("outputs.", StringComparison.Ordinal)
        || (reference.StartsWith("params.", StringComparison.Ordinal) && dataParams.Contains(reference["params.".Length..]));

    /// <summary>A value as shown in an error: quoted, control characters visible, long ones cut.</summary>
    internal static string Show(string value)
    {
        var v = value.Length > 120 ? value[..120] + "..." : value;
        return "'" + v.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal) + "'";
    }

    internal static string Undefined(string reference) => $"template variable '{reference}' is not defined here";

    [GeneratedRegex(@"\{\{(.*?)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex Reference();
}
