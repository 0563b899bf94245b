using System.Text;
using System.Text.RegularExpressions;
using Dativo.Core.Errors;

namespace Dativo.Orchestration.Pipelines;

/// <summary>
/// Renders SQL with templates so that a value can never change how the SQL around it is read. Each value is encoded for
/// where its placeholder stands (found by lexing the SQL as DuckDB does):
/// inside a string literal <c>'...{{ x }}...'</c> quotes are doubled (and backslashes in <c>E'...'</c>);
/// inside a quoted identifier <c>"...{{ x }}..."</c> double quotes are doubled;
/// outside quotes only a name (letters, digits, <c>_</c>, dotted parts) or an unsigned number may stand;
/// in comments and <c>$$...$$</c> strings a value may not contain what would end them.
/// The rendered SQL is then lexed again and every value must lie wholly in the context it was encoded for.
/// </summary>
internal static partial class SqlTemplate
{
    public const string Rule = "see 'Safety' in docs/orchestration.md";

    public static string Render(string sql, Func<string, string?> resolve, string setting)
    {
        var sb = new StringBuilder();
        var spans = new List<(int Start, int End, SqlLexer.State Context, string Reference, string Value)>();
        foreach (var (literal, reference) in Template.Split(sql))
        {
            if (reference is null)
            {
                sb.Append(literal);
                continue;
            }
            var value = resolve(reference) ?? throw new DativoException(Template.Undefined(reference));
            var context = SqlLexer.States(sb.ToString())[^1];
            var encoded = Encode(context, value) ?? throw new DativoException($"{setting}: the value {Template.Show(value)} of {{{{ {reference} }}}} {Refusal(context)}; {Rule}");
            spans.Add((sb.Length, sb.Length + encoded.Length, context, reference, value));
            sb.Append(encoded);
        }
        var text = sb.ToString();
        if (spans.Count == 0) return text;
        var states = SqlLexer.States(text);
        foreach (var (start, end, context, reference, value) in spans)
            for (var i = start; i <= end; i++)
                if (states[i] != context)
                    throw new DativoException($"{setting}: the value {Template.Show(value)} of {{{{ {reference} }}}} would change how the SQL next to it is read " +
                        $"(it joins with the text around {{{{ {reference} }}}}); put the placeholder in quotes or away from '$', quotes and comment marks; {Rule}");
        return text;
    }

    private static string? Encode(SqlLexer.State context, string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal)) return null;
        return context.Kind switch
        {
            SqlLexer.Kind.Code => Name().IsMatch(value) || Number().IsMatch(value) ? value : null,
            SqlLexer.Kind.String => value.Replace("'", "''", StringComparison.Ordinal),
            SqlLexer.Kind.EscapeString => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal),
            SqlLexer.Kind.Identifier => value.Replace("\"", "\"\"", StringComparison.Ordinal),
            SqlLexer.Kind.LineComment => value.AsSpan().IndexOfAny('\n', '\r') < 0 ? value : null,
            SqlLexer.Kind.BlockComment => value.AsSpan().IndexOfAny('*', '/') < 0 ? value : null,
            SqlLexer.Kind.DollarString => value.Contains('$', StringComparison.Ordinal) ? null : value,
            _ => null,
        };
    }

    private static string Refusal(SqlLexer.State context) => context.Kind switch
    {
        SqlLexer.Kind.Code => "stands outside quotes in the SQL, where only a name (letters, digits, _ and dots) or an unsigned number may go; " +
            "to use it as a string, put the placeholder in quotes: '{{ ... }}'",
        SqlLexer.Kind.LineComment => "would end the -- comment it stands in (a line break)",
        SqlLexer.Kind.BlockComment => "would end the /* comment */ it stands in ('*' or '/')",
        SqlLexer.Kind.DollarString => "would end the $$ string it stands in ('$'); use a '...' string instead",
        _ => "contains a NUL character",
    };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex Name();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?$")]
    private static partial Regex Number();
}

/// <summary>A lexer of DuckDB SQL just fine enough to tell code, strings, quoted identifiers, comments and dollar strings apart.</summary>
internal static class SqlLexer
{
    public enum Kind { Code, String, EscapeString, Identifier, LineComment, BlockComment, DollarString }

    /// <summary>Where the lexer is: kind, nesting depth of block comments, tag of a dollar string.</summary>
    public readonly record struct State(Kind Kind, int Depth = 0, string? Tag = null);

    /// <summary>
    /// The state at each character, and after the last one (length + 1 entries). The first character of a token has the
    /// state before it, the others the state after it, so a value that forms or completes a token ($x$, --, */) is seen to.
    /// </summary>
    public static State[] States(string s)
    {
        var states = new State[s.Length + 1];
        var st = new State(Kind.Code);
        var i = 0;
        void Advance(int n, State next)
        {
            for (var k = 0; k < n && i < s.Length; k++) states[i++] = k == 0 ? st : next;
            st = next;
        }
        char At(int k) => k < s.Length ? s[k] : '\0';
        while (i < s.Length)
        {
            var c = s[i];
            switch (st.Kind)
            {
                case Kind.Code:
                    if (c == '\'') Advance(1, new State(EscapePrefix(s, i) ? Kind.EscapeString : Kind.String));
                    else if (c == '"') Advance(1, new State(Kind.Identifier));
                    else if (c == '-' && At(i + 1) == '-') Advance(2, new State(Kind.LineComment));
                    else if (c == '/' && At(i + 1) == '*') Advance(2, new State(Kind.BlockComment, 1));
                    else if (c == '$' && DollarTag(s, i) is { } tag) Advance(tag.Length + 2, new State(Kind.DollarString, 0, tag));
                    else Advance(1, st);
                    break;
                case Kind.String:
                    if (c == '\'') Advance(At(i + 1) == '\'' ? 2 : 1, At(i + 1) == '\'' ? st : new State(Kind.Code));
                    else Advance(1, st);
                    break;
                case Kind.EscapeString:
                    if (c == '\\') Advance(2, st);
                    else if (c == '\'') Advance(At(i + 1) == '\'' ? 2 : 1, At(i + 1) == '\'' ? st : new State(Kind.Code));
                    else Advance(1, st);
                    break;
                case Kind.Identifier:
                    if (c == '"') Advance(At(i + 1) == '"' ? 2 : 1, At(i + 1) == '"' ? st : new State(Kind.Code));
                    else Advance(1, st);
                    break;
                case Kind.LineComment:
                    Advance(1, c is '\n' or '\r' ? new State(Kind.Code) : st);
                    break;
                case Kind.BlockComment:
                    if (c == '/' && At(i + 1) == '*') Advance(2, st with { Depth = st.Depth + 1 });
                    else if (c == '*' && At(i + 1) == '/') Advance(2, st.Depth == 1 ? new State(Kind.Code) : st with { Depth = st.Depth - 1 });
                    else Advance(1, st);
                    break;
                case Kind.DollarString:
                    var close = "$" + st.Tag + "$";
                    if (c == '$' && string.CompareOrdinal(s, i, close, 0, close.Length) == 0) Advance(close.Length, new State(Kind.Code));
                    else Advance(1, st);
                    break;
            }
        }
        states[s.Length] = st;
        return states;
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$';

    /// <summary>E'...' (backslash escapes) unless the E ends a longer word.</summary>
    private static bool EscapePrefix(string s, int quote) =>
        quote >= 1 && s[quote - 1] is 'e' or 'E' && (quote < 2 || !IsIdentifierChar(s[quote - 2]));

    /// <summary>The tag of a dollar quote opening at <paramref name="i"/> ($$ or $tag$), or null ($1 parameters, $ inside words).</summary>
    private static string? DollarTag(string s, int i)
    {
        if (i > 0 && IsIdentifierChar(s[i - 1])) return null;
        var j = i + 1;
        if (j < s.Length && char.IsDigit(s[j])) return null;
        while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_')) j++;
        return j < s.Length && s[j] == '$' ? s[(i + 1)..j] : null;
    }
}
