using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Dativo.Streaming.Jq;

/// <summary>Recursive descent over the jq subset (see <see cref="JqQuery"/>). Errors name the 1-based column.</summary>
internal sealed class JqParser(string text)
{
    private int _pos;

    public JqNode ParseAll()
    {
        var node = ParsePipe();
        SkipSpace();
        if (_pos < text.Length)
        {
            if (text[_pos] == ',')
                throw Error("',' outside an object would produce several values; Firehose needs one object, e.g. {a:.a, b:.b}");
            throw Error($"unexpected '{text[_pos]}'");
        }
        return node;
    }

    private JqNode ParsePipe()
    {
        var left = ParseAlternative();
        while (Accept("|")) left = new PipeNode(left, ParseAlternative());
        return left;
    }

    private JqNode ParseAlternative()
    {
        var left = ParsePostfix();
        while (Accept("//")) left = new AlternativeNode(left, ParsePostfix());
        return left;
    }

    private JqNode ParsePostfix()
    {
        var node = ParsePrimary();
        while (true)
        {
            SkipSpace();
            if (Peek('.') && _pos + 1 < text.Length && (IsIdentStart(text[_pos + 1]) || text[_pos + 1] is '"' or '['))
            {
                _pos++;
                node = ParseSuffixAfterDot(node);
            }
            else if (Peek('['))
            {
                node = ParseBracket(node);
            }
            else if (Peek('?'))
            {
                _pos++;
                node = new TryNode(node);
            }
            else
            {
                return node;
            }
        }
    }

    private JqNode ParseSuffixAfterDot(JqNode target)
    {
        if (Peek('"')) return new IndexNode(target, new LiteralNode(JsonValue.Create(ParseString())));
        if (Peek('[')) return ParseBracket(target);
        return new IndexNode(target, new LiteralNode(JsonValue.Create(ParseIdent())));
    }

    private JqNode ParseBracket(JqNode target)
    {
        Expect("[");
        var index = ParsePipe();
        Expect("]");
        return new IndexNode(target, index);
    }

    private JqNode ParsePrimary()
    {
        SkipSpace();
        if (_pos >= text.Length) throw Error("unexpected end of the query");
        var c = text[_pos];
        if (c == '.')
        {
            _pos++;
            if (_pos < text.Length && (IsIdentStart(text[_pos]) || text[_pos] is '"' or '['))
                return ParseSuffixAfterDot(new IdentityNode());
            return new IdentityNode();
        }
        if (c == '(')
        {
            _pos++;
            var inner = ParsePipe();
            Expect(")");
            return inner;
        }
        if (c == '{') return ParseObject();
        if (c == '"') return new LiteralNode(JsonValue.Create(ParseString()));
        if (char.IsAsciiDigit(c) || (c == '-' && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1]))) return new LiteralNode(JsonValue.Create(ParseNumber()));
        if (IsIdentStart(c))
        {
            var column = _pos + 1;
            var name = ParseIdent();
            switch (name)
            {
                case "null": return new LiteralNode(null);
                case "true": return new LiteralNode(JsonValue.Create(true));
                case "false": return new LiteralNode(JsonValue.Create(false));
            }
            JqNode? arg = null;
            SkipSpace();
            if (Accept("("))
            {
                arg = ParsePipe();
                if (Peek(';')) throw Error($"{name}: only one argument is supported");
                Expect(")");
            }
            return new CallNode(name, arg, column);
        }
        throw Error($"unexpected '{c}'");
    }

    private ObjectNode ParseObject()
    {
        Expect("{");
        var entries = new List<(JqNode, JqNode)>();
        SkipSpace();
        if (Accept("}")) return new ObjectNode(entries);
        do
        {
            SkipSpace();
            JqNode key;
            string? shorthand = null;
            if (Peek('"')) key = new LiteralNode(JsonValue.Create(shorthand = ParseString()));
            else if (Peek('('))
            {
                _pos++;
                key = ParsePipe();
                Expect(")");
            }
            else if (_pos < text.Length && IsIdentStart(text[_pos])) key = new LiteralNode(JsonValue.Create(shorthand = ParseIdent()));
            else throw Error("expected an object key (name, \"string\" or (expression))");
            JqNode value;
            if (Accept(":")) value = ParseObjectValue();
            else if (shorthand is not null) value = new IndexNode(new IdentityNode(), new LiteralNode(JsonValue.Create(shorthand)));
            else throw Error("expected ':' after a computed key");
            entries.Add((key, value));
            SkipSpace();
        }
        while (Accept(","));
        Expect("}");
        return new ObjectNode(entries);
    }

    /// <summary>An object value: like jq, pipes and // are allowed, a bare ',' ends the entry.</summary>
    private JqNode ParseObjectValue()
    {
        var left = ParseAlternative();
        while (Accept("|")) left = new PipeNode(left, ParseAlternative());
        return left;
    }

    private string ParseIdent()
    {
        SkipSpace();
        var start = _pos;
        if (_pos >= text.Length || !IsIdentStart(text[_pos])) throw Error("expected a name");
        while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
        return text[start.._pos];
    }

    private string ParseString()
    {
        Expect("\"");
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= text.Length) throw Error("unterminated string");
            var c = text[_pos++];
            if (c == '"') return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= text.Length) throw Error("unterminated string");
            var e = text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '"' or '\\' or '/': sb.Append(e); break;
                case 'u' when _pos + 4 <= text.Length:
                    sb.Append((char)int.Parse(text.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    _pos += 4;
                    break;
                case '(':
                    throw Error("string interpolation \\( … ) is not supported");
                default: throw Error($"unknown escape '\\{e}'");
            }
        }
    }

    private double ParseNumber()
    {
        var start = _pos;
        if (text[_pos] == '-') _pos++;
        while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] is '.' or 'e' or 'E' || (text[_pos] is '+' or '-' && text[_pos - 1] is 'e' or 'E'))) _pos++;
        return double.TryParse(text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw Error($"bad number '{text[start.._pos]}'");
    }

    private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private void SkipSpace()
    {
        while (_pos < text.Length)
        {
            if (char.IsWhiteSpace(text[_pos])) _pos++;
            else if (text[_pos] == '#') { while (_pos < text.Length && text[_pos] != '\n') _pos++; }
            else break;
        }
    }

    private bool Peek(char c)
    {
        SkipSpace();
        return _pos < text.Length && text[_pos] == c;
    }

    private bool Accept(string token)
    {
        SkipSpace();
        if (string.CompareOrdinal(text, _pos, token, 0, token.Length) != 0) return false;
        // "|" must not eat the start of "//"-less input and "/" alone is division (unsupported)
        _pos += token.Length;
        return true;
    }

    private void Expect(string token)
    {
        if (!Accept(token))
            throw _pos < text.Length ? Error($"expected '{token}' but found '{text[_pos]}'") : Error($"expected '{token}' at the end of the query");
    }

    private FormatException Error(string message) => new($"column {_pos + 1}: {message}");
}
