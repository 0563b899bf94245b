using System.Text.Json;

namespace Dativo.Streaming.Jq;

/// <summary>
/// The partition-key values a plain <c>{k: .path}</c> query read from one record, as text in memory reused from record
/// to record (one reader at a time): the hot path looks its prefix up without a string or a dictionary per record.
/// </summary>
internal sealed class KeyValues
{
    private readonly string[] _names;
    private readonly (int Start, int Length)[] _values;
    private char[] _text = new char[256];
    private int _used;

    public KeyValues(string[] names)
    {
        _names = names;
        _values = new (int, int)[names.Length];
    }

    public int Count => _names.Length;

    /// <summary>The value of key number <paramref name="i"/> (in the query's order); valid until the next record.</summary>
    public ReadOnlySpan<char> this[int i] => _text.AsSpan(_values[i].Start, _values[i].Length);

    public int IndexOf(string name) => Array.IndexOf(_names, name);

    public bool Has(int i) => _values[i].Start >= 0;

    public void Clear()
    {
        _used = 0;
        _values.AsSpan().Fill((-1, 0));
    }

    /// <summary>Takes the scalar the reader is on as the value of key <paramref name="i"/>; false when it is no scalar.</summary>
    public bool Set(int i, ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                Reserve(reader.ValueSpan.Length); // unescaped, a string has at most as many chars as its UTF-8 bytes
                var n = reader.CopyString(_text.AsSpan(_used));
                _values[i] = (_used, n);
                _used += n;
                return true;
            case JsonTokenType.Number:
                if (!reader.TryGetDouble(out var d)) return false;
                Put(i, JqNode.FormatNumber(d));
                return true;
            case JsonTokenType.True:
                Put(i, "true");
                return true;
            case JsonTokenType.False:
                Put(i, "false");
                return true;
            default:
                return false;
        }
    }

    /// <summary>Key <paramref name="i"/> gets the value of key <paramref name="from"/> (two keys on one path).</summary>
    public void Copy(int from, int i) => _values[i] = _values[from];

    public Dictionary<string, string> ToDictionary()
    {
        var keys = new Dictionary<string, string>(_names.Length, StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++) keys[_names[i]] = this[i].ToString();
        return keys;
    }

    private void Put(int i, string text)
    {
        Reserve(text.Length);
        text.CopyTo(_text.AsSpan(_used));
        _values[i] = (_used, text.Length);
        _used += text.Length;
    }

    private void Reserve(int chars)
    {
        if (_used + chars <= _text.Length) return;
        Array.Resize(ref _text, Math.Max(_text.Length * 2, _used + chars));
    }
}
