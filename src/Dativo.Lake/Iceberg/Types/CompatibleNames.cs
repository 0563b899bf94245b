using System.Globalization;
using System.Text;

namespace Dativo.Lake.Iceberg.Types;

/// <summary>
/// Iceberg names as Java's <c>AvroSchemaUtil.makeCompatibleName</c> writes them into Parquet files and Avro manifests:
/// a character that is not a letter, a digit or <c>_</c> becomes <c>_x</c> and its upper-case hex UTF-16 code
/// (<c>my col</c> → <c>my_x20col</c>, <c>a.b</c> → <c>a_x2Eb</c>), and a leading digit gets a <c>_</c> before it
/// (<c>1st</c> → <c>_1st</c>). Readers map columns by field id; these names serve readers that go by name.
/// </summary>
public static class CompatibleNames
{
    /// <summary>The Parquet column name of an Iceberg field: letters and digits of any script are kept, as in Java.</summary>
    public static string Parquet(string name) => Make(name, asciiOnly: false);

    /// <summary>An Avro field name: only ASCII letters and digits are kept, as Avro names are <c>[A-Za-z_][A-Za-z0-9_]*</c>.</summary>
    public static string Avro(string name) => Make(name, asciiOnly: true);

    private static string Make(string name, bool asciiOnly)
    {
        ArgumentNullException.ThrowIfNull(name);
        StringBuilder? sb = null;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var letter = asciiOnly ? char.IsAsciiLetter(c) : char.IsLetter(c);
            var digit = asciiOnly ? char.IsAsciiDigit(c) : char.IsDigit(c);
            if (c == '_' || letter || (digit && i > 0))
            {
                sb?.Append(c);
                continue;
            }
            sb ??= new StringBuilder(name, 0, i, name.Length + 8);
            if (digit) sb.Append('_').Append(c);
            else sb.Append("_x").Append(((int)c).ToString("X", CultureInfo.InvariantCulture));
        }
        return sb?.ToString() ?? name;
    }
}
