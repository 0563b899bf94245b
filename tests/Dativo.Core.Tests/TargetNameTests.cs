using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Testing;

namespace Dativo.Core.Tests;

/// <summary>Table and namespace names become catalog rows and folders: refused when the job is loaded, with the rule.</summary>
public sealed class TargetNameTests : IDisposable
{
    private const string Asset = "name: orders\nversion: \"1.0\"\ndomain: sales\nschema:\n  - {name: id, type: long, required: true}\nteam: {owner: team@acme.com}\n";
    private const string Job = "tenant_id: acme\nsource_connector: csv\nasset: orders\nasset_path: asset.yaml\nsource:\n  files: [{path: data.csv}]\n";

    private readonly TempDir _tmp = new("dativo-names-");

    public void Dispose() => _tmp.Dispose();

    private string Write(string job, string asset = Asset)
    {
        _tmp.File("asset.yaml", asset);
        _tmp.File("data.csv", "id\n");
        return _tmp.File("job.yaml", job);
    }

    public static TheoryData<string> BadNames => new()
    {
        "../x", "a.b", "'a''b'", "'a\"b'", "\"\"", "x/y", "1st", "_hidden", "naïve", new string('t', 129),
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public void Bad_table_name_is_refused_at_its_line_with_the_rule(string yamlValue)
    {
        var e = Assert.Throws<ConfigException>(() => JobLoader.Load(Write(Job + "target:\n  namespace: sales\n  table: " + yamlValue + "\n"), _ => null));
        var issue = Assert.Single(e.Issues);
        Assert.Equal(("target.table", 9, 10), (issue.KeyPath, issue.Line, issue.Column));
        Assert.Contains("is not a valid table name", issue.Message);
        Assert.Contains(CatalogNames.Rule, issue.Message);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void Bad_namespace_is_refused_at_its_line_with_the_rule(string yamlValue)
    {
        var e = Assert.Throws<ConfigException>(() => JobLoader.Load(Write(Job + "target:\n  namespace: " + yamlValue + "\n"), _ => null));
        var issue = Assert.Single(e.Issues);
        Assert.Equal(("target.namespace", 8, 14), (issue.KeyPath, issue.Line, issue.Column));
        Assert.Contains("is not a valid namespace name", issue.Message);
        Assert.Contains(CatalogNames.Rule, issue.Message);
    }

    [Fact]
    public void Names_taken_from_the_contract_are_checked_too_and_say_where_they_come_from()
    {
        var e = Assert.Throws<ConfigException>(() => JobLoader.Load(Write(Job, Asset.Replace("name: orders", "name: ../orders").Replace("domain: sales", "domain: a.b")), _ => null));
        Assert.Equal(2, e.Issues.Count);
        var table = e.Issues.Single(i => i.KeyPath == "target.table");
        Assert.Contains("table defaults to the contract's name in ", table.Message);
        Assert.Contains("'../orders' is not a valid table name", table.Message);
        Assert.Contains("set target.table", table.Message);
        Assert.EndsWith("job.yaml", table.File);
        Assert.Contains(e.Issues, i => i.KeyPath == "target.namespace" && i.Message.Contains("'a.b' is not a valid namespace name"));
    }

    [Fact]
    public void Names_are_read_in_lower_case_with_dashes_and_spaces_as_underscores()
    {
        var job = JobLoader.Load(Write(Job + "target:\n  namespace: Sales-EU\n  table: Daily Orders\n"), _ => null);
        Assert.Equal(("sales_eu", "daily_orders"), (job.TargetNamespace, job.TargetTable));

        var longest = new string('t', 128);
        job = JobLoader.Load(Write(Job + "target:\n  table: " + longest + "\n"), _ => null);
        Assert.Equal(("sales", longest), (job.TargetNamespace, job.TargetTable));

        job = JobLoader.Load(Write(Job, Asset.Replace("domain: sales\n", "")), _ => null);
        Assert.Equal(("default", "orders"), (job.TargetNamespace, job.TargetTable));
    }
}
