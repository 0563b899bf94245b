using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Tests.Safety;

/// <summary>Issue #11 item 8 (SQL): a template value in a sql task is quoted for where it stands, or refused.</summary>
public sealed class SqlTemplateTests
{
    private const string Leak = "x' AS name, (SELECT content FROM read_text('/etc/hostname')) AS leaked --";

    /// <summary>Values that would break out of a string, an E-string, a quoted identifier or a dollar string if pasted.</summary>
    private static readonly string[] Payloads =
    [
        "o'brien", Leak, "\\' OR 1=1 --", "\\", "a\nb", "\"", "\"; SELECT 1 --", "$$", "$t$", "*/", "''", "ends with \\",
    ];

    private static string Render(string sql, string value) =>
        SqlTemplate.Render(sql, r => r == "dataset" ? value : null, "with.sql");

    [Theory]
    [InlineData("SELECT '{{ dataset }}'", "o'brien", "SELECT 'o''brien'")]
    [InlineData("SELECT E'{{ dataset }}'", "a\\'b", "SELECT E'a\\\\''b'")]
    [InlineData("SELECT 1 AS \"{{ dataset }}\"", "a\"b", "SELECT 1 AS \"a\"\"b\"")]
    [InlineData("SELECT * FROM {{ dataset }}", "logistics.shipments", "SELECT * FROM logistics.shipments")]
    [InlineData("SELECT 1 LIMIT {{ dataset }}", "10", "SELECT 1 LIMIT 10")]
    [InlineData("SELECT 1 -- for {{ dataset }}", "it's", "SELECT 1 -- for it's")]
    [InlineData("SELECT 'it''s {{ dataset }}' AS x", "o'k", "SELECT 'it''s o''k' AS x")]
    [InlineData("SELECT 'a' AS one, '{{ dataset }}' AS two", "b", "SELECT 'a' AS one, 'b' AS two")]
    public void Values_are_encoded_for_where_they_stand(string sql, string value, string expected) =>
        Assert.Equal(expected, Render(sql, value));

    [Theory]
    [InlineData("SELECT * FROM t WHERE name = {{ dataset }}", "x OR 1=1", "stands outside quotes")]
    [InlineData("SELECT * FROM t WHERE d = {{ dataset }}", "2025-01-01", "put the placeholder in quotes")]
    [InlineData("SELECT 1 -- {{ dataset }}", "x\nSELECT read_text('/etc/hostname')", "would end the -- comment")]
    [InlineData("SELECT 1 /* {{ dataset }} */", "*/ SELECT 2 /*", "would end the /* comment */")]
    [InlineData("SELECT $${{ dataset }}$$", "$$ || read_text('/etc/hostname') || $$", "would end the $$ string")]
    [InlineData("SELECT ${{ dataset }}$ FROM t $x$", "x", "would change how the SQL next to it is read")]
    [InlineData("SELECT $x$ a ${{ dataset }}$ b $x$", "x", "would change how the SQL next to it is read")]
    [InlineData("SELECT 1 -{{ dataset }}", "-1", "stands outside quotes")]
    public void Values_that_would_change_the_sql_are_refused(string sql, string value, string message)
    {
        var e = Assert.Throws<DativoException>(() => Render(sql, value));
        Assert.StartsWith("with.sql: the value ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task DuckDB_reads_every_encoded_value_back_unchanged()
    {
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        foreach (var v in Payloads)
        {
            var r = await engine.QueryAsync(Render("SELECT '{{ dataset }}' AS s, E'{{ dataset }}' AS e, 1 AS \"{{ dataset }}\"", v));
            Assert.Equal([v, v], r.Rows.Single().Take(2).Cast<string>());
            Assert.Equal(v, r.Columns[2].Name);
        }
    }

    [Fact]
    public async Task A_quote_in_a_dataset_cannot_read_a_local_file_into_a_table()
    {
        using var h = new EngineHarness();
        var lake = Path.Combine(h.Dir.Path, "lake");
        var p = h.Load($$$"""
            name: p
            tasks:
              - name: t
                type: sql
                foreach: {sources: [{values: ["{{{Leak.Replace("\"", "\\\"", StringComparison.Ordinal)}}}"]}]}
                with:
                  sql: "SELECT '{{ dataset }}' AS name"
                  output: analytics.names
                  run_date: "2026-01-01"
                  warehouse: {{{lake}}}
            """);
        var run = await h.RunAsync(p, "r");
        Assert.True(run.Status == RunStatus.Succeeded, run.Tasks["t"].Error);
        var table = await LakeWarehouse.Open(lake).OpenTableAsync(new TableIdentifier("analytics", "names"), CancellationToken.None);
        Assert.Null(table.Schema.FindField("leaked"));
        var rows = await table.NewScan().Select("name").ReadAsync();
        Assert.Equal(Leak, (string)Assert.Single(rows.Rows)[0]!);
    }
}
