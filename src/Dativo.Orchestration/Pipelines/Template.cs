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
            sb.Append(resolve(expr) ?? throw new Core.Errors.DativoException($"template variable '{expr}' is not defined here"));
            last = m.Index + m.Length;
        }
        sb.Append(text, last, text.Length - last);
        return sb.ToString();
    }

    [GeneratedRegex(@"\{\{(.*?)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex Reference();
}
