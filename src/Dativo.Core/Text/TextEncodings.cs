using System.Text;

namespace Dativo.Core.Text;

/// <summary>
/// The text encodings a file source reads, by the names jobs use (Python's codec names included: <c>utf-16-le</c>,
/// <c>latin-1</c>, <c>cp1252</c>). One list, so <c>check</c> refuses exactly what a run could not decode.
/// </summary>
public static class TextEncodings
{
    /// <summary>Canonical names, shown in messages.</summary>
    public static readonly string[] Supported = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "windows-1252", "ascii"];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["utf8"] = "utf-8", ["utf_8"] = "utf-8", ["utf-8-sig"] = "utf-8-sig", ["utf8-sig"] = "utf-8-sig", ["utf_8_sig"] = "utf-8-sig",
        ["utf16"] = "utf-16", ["utf_16"] = "utf-16",
        ["utf-16le"] = "utf-16-le", ["utf16le"] = "utf-16-le", ["utf_16_le"] = "utf-16-le", ["utf16-le"] = "utf-16-le",
        ["utf-16be"] = "utf-16-be", ["utf16be"] = "utf-16-be", ["utf_16_be"] = "utf-16-be", ["utf16-be"] = "utf-16-be",
        ["latin1"] = "latin-1", ["latin_1"] = "latin-1", ["iso-8859-1"] = "latin-1", ["iso8859-1"] = "latin-1", ["iso_8859_1"] = "latin-1", ["l1"] = "latin-1",
        ["cp1252"] = "windows-1252", ["windows1252"] = "windows-1252",
        ["us-ascii"] = "ascii",
    };

    /// <summary>The canonical name of <paramref name="name"/>, or null when it is not supported.</summary>
    public static string? Canonical(string name)
    {
        var key = name.Trim().ToLowerInvariant();
        if (Supported.Contains(key)) return key;
        return Aliases.GetValueOrDefault(key);
    }

    /// <summary>The encoding of <paramref name="name"/> (no byte order mark is written; one present is skipped), or null when it is not supported.</summary>
    public static Encoding? Get(string name) => Canonical(name) switch
    {
        "utf-8" or "utf-8-sig" => new UTF8Encoding(false),
        "utf-16" or "utf-16-le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: false),
        "utf-16-be" => new UnicodeEncoding(bigEndian: true, byteOrderMark: false),
        "latin-1" => Encoding.Latin1,
        "windows-1252" => CodePagesEncodingProvider.Instance.GetEncoding(1252),
        "ascii" => Encoding.ASCII,
        _ => null,
    };

    public static string List => string.Join(", ", Supported);
}
