using System.Globalization;

namespace Dativo.Testing;

/// <summary>Compares two CSV texts: same header and row order; numbers with a relative tolerance, other fields exactly.</summary>
internal static class GoldenCsv
{
    /// <summary>The seed 004 shipment sample and its expected outputs (tests/fixtures/shipping-004).</summary>
    public static string ShippingCase => Repo.Fixture("shipping-004");

    public static void AssertEqual(string expectedCsv, string actualCsv, string what, double relTol = 1e-9)
    {
        var e = Lines(expectedCsv);
        var a = Lines(actualCsv);
        Assert.True(e[0] == a[0], $"{what}: header differs\n expected: {e[0]}\n actual:   {a[0]}");
        Assert.True(e.Length == a.Length, $"{what}: {e.Length - 1} rows expected, {a.Length - 1} actual");
        for (var r = 1; r < e.Length; r++)
        {
            var ef = Split(e[r]);
            var af = Split(a[r]);
            Assert.True(ef.Count == af.Count, $"{what} row {r}: field count differs\n expected: {e[r]}\n actual:   {a[r]}");
            for (var c = 0; c < ef.Count; c++)
            {
                if (ef[c] == af[c]) continue;
                var ok = double.TryParse(ef[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var ev)
                    && double.TryParse(af[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var av)
                    && Math.Abs(ev - av) <= relTol * Math.Max(Math.Abs(ev), Math.Abs(av));
                Assert.True(ok, $"{what} row {r} col {c}: expected '{ef[c]}', actual '{af[c]}'\n expected: {e[r]}\n actual:   {a[r]}");
            }
        }
    }

    private static string[] Lines(string csv) => csv.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var cur = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cur.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(ch);
        }
        fields.Add(cur.ToString());
        return fields;
    }
}
