using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dativo.Streaming.Jq;

/// <summary>
/// The fast path for the common query shape <c>{k1: .a.b, k2: .c, …}</c> (keys are names, values are plain property
/// paths): reads the record once with a <see cref="Utf8JsonReader"/>, taking only the needed properties and skipping
/// (but still validating) the rest, without building a tree. It answers only the plain case — every path reaches a
/// string, number or boolean through objects, no name repeats on the way — and returns null otherwise, so the general
/// evaluator decides everything unusual (and words every error) exactly as before.
/// </summary>
internal sealed class JqPathExtractor
{
    private readonly string[] _names;
    private readonly byte[][][] _paths; // per key: the UTF-8 property names from the root

    private readonly int[] _all;

    private JqPathExtractor(string[] names, byte[][][] paths)
    {
        _names = names;
        _paths = paths;
        _all = [.. Enumerable.Range(0, paths.Length)];
    }

    /// <summary>The extractor for <paramref name="root"/>, or null when the query has another shape.</summary>
    public static JqPathExtractor? For(JqNode root)
    {
        if (root is not ObjectNode obj || obj.Entries.Count is 0 or > 64) return null;
        var names = new List<string>();
        var paths = new List<byte[][]>();
        foreach (var (key, value) in obj.Entries)
        {
            if (key is not LiteralNode { Value: JsonValue k } || k.GetValueKind() != JsonValueKind.String) return null;
            var name = k.GetValue<string>();
            if (names.Contains(name)) return null; // a repeated key: the last one wins in jq; leave it to the evaluator
            var path = new List<byte[]>();
            var node = value;
            while (node is IndexNode { Index: LiteralNode { Value: JsonValue segment } } index && segment.GetValueKind() == JsonValueKind.String)
            {
                path.Insert(0, Encoding.UTF8.GetBytes(segment.GetValue<string>()));
                node = index.Target;
            }
            if (node is not IdentityNode || path.Count == 0) return null;
            names.Add(name);
            paths.Add([.. path]);
        }
        return new JqPathExtractor([.. names], [.. paths]);
    }

    /// <summary>Reusable memory for <see cref="TryExtract(ReadOnlySpan{byte}, KeyValues)"/>.</summary>
    public KeyValues NewKeyValues() => new(_names);

    /// <summary>The partition keys of <paramref name="json"/>, or null when the general evaluator must decide.</summary>
    public Dictionary<string, string>? TryExtract(ReadOnlySpan<byte> json)
    {
        var values = NewKeyValues();
        return TryExtract(json, values) ? values.ToDictionary() : null;
    }

    /// <summary>
    /// Reads every key's value of <paramref name="json"/> into <paramref name="values"/>; false when the general
    /// evaluator must decide (not JSON, a key missing or not a scalar, anything unusual).
    /// </summary>
    public bool TryExtract(ReadOnlySpan<byte> json, KeyValues values)
    {
        values.Clear();
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            if (!ReadObject(ref reader, 0, _all, values)) return false;
            if (reader.Read()) return false; // the reader throws on trailing content first; kept for clarity
        }
        catch (JsonException)
        {
            return false;
        }
        for (var i = 0; i < _names.Length; i++)
            if (!values.Has(i)) return false;
        return true;
    }

    /// <summary>
    /// Reads the object the reader is on, whose path from the root is <paramref name="depth"/> names long and leads to
    /// the paths <paramref name="candidates"/>; false when the case is not plain.
    /// </summary>
    private bool ReadObject(ref Utf8JsonReader reader, int depth, int[] candidates, KeyValues values)
    {
        var seen = 0UL; // candidates (by position) whose name appeared in this object: a repeat is not plain
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var leaves = 0UL;
            var inner = 0UL;
            for (var c = 0; c < candidates.Length; c++)
            {
                var path = _paths[candidates[c]];
                if (!reader.ValueTextEquals(path[depth])) continue;
                if ((seen & (1UL << c)) != 0) return false;
                seen |= 1UL << c;
                if (path.Length == depth + 1) leaves |= 1UL << c;
                else inner |= 1UL << c;
            }
            if (!reader.Read()) return false;
            if (leaves != 0 && inner != 0) return false; // one path ends where another goes on
            if (leaves != 0)
            {
                var first = -1;
                for (var c = 0; c < candidates.Length; c++)
                {
                    if ((leaves & (1UL << c)) == 0) continue;
                    if (first >= 0)
                    {
                        values.Copy(first, candidates[c]);
                        continue;
                    }
                    first = candidates[c];
                    if (!values.Set(first, ref reader)) return false;
                }
            }
            else if (inner != 0)
            {
                if (reader.TokenType != JsonTokenType.StartObject) return false;
                var next = new int[System.Numerics.BitOperations.PopCount(inner)];
                for (int c = 0, n = 0; c < candidates.Length; c++)
                    if ((inner & (1UL << c)) != 0) next[n++] = candidates[c];
                if (!ReadObject(ref reader, depth + 1, next, values)) return false;
            }
            else
            {
                reader.Skip();
            }
        }
        return reader.TokenType == JsonTokenType.EndObject;
    }
}
