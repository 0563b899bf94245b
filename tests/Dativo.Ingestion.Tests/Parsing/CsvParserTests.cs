using Dativo.Ingestion.Records;
using Dativo.Ingestion.Sources.Files;

namespace Dativo.Ingestion.Tests.Parsing;

/// <summary>The span-based CSV parser, with buffer sizes that split records, CRLFs and quotes across reads.</summary>
public sealed class CsvParserTests
{
    private const string Input = "id,name,note\r\n1,plain,x\n2,\"quoted, comma\",\"say \"\"hi\"\"\"\r\n\n3,\"multi\nline\",\r\n4,,last";

    private static readonly string[][] Expected =
    [
        ["id", "name", "note"],
        ["1", "plain", "x"],
        ["2", "quoted, comma", "say \"hi\""],
        ["3", "multi\nline", ""],
        ["4", "", "last"],
    ];

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(16)]
    public void Records_are_the_same_whatever_the_buffer_size(int bufferSize)
    {
        var parser = new CsvParser(new StringReader(Input), ',', '"', bufferSize);
        var chars = new CharBuffer(4);
        var fields = new List<CsvField>();
        var records = new List<string[]>();
        var lines = new List<long>();
        while (parser.ReadRecord(chars, fields))
        {
            records.Add([.. fields.Select(f => new string(chars.Span(f.Start, f.Length)))]);
            lines.Add(parser.RecordLine);
        }
        Assert.Equal(Expected, records);
        Assert.Equal([1L, 2, 3, 5, 7], lines);
        Assert.Equal(Input.Length, parser.CharsRead);
    }

    [Fact]
    public void String_records_report_quoting()
    {
        var parser = new CsvParser(new StringReader("a,\"\",NULL\n"), ',', '"');
        var fields = new List<string>();
        var quoted = new List<bool>();
        Assert.True(parser.ReadRecord(fields, quoted));
        Assert.Equal(["a", "", "NULL"], fields);
        Assert.Equal([false, true, false], quoted);
        Assert.False(parser.ReadRecord(fields, quoted));
    }
}
