using System.Text;
using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Contracts;
using Dativo.Testing;

namespace Dativo.Core.Tests;

/// <summary>
/// Every config file goes through one YAML loader with limits (nodes after alias expansion, aliases, depth, size)
/// and exactly one document; breaking a limit is a located error, refused before the file costs memory.
/// </summary>
public sealed class ConfigYamlLimitsTests : IDisposable
{
    private const string Asset = "name: orders\nversion: \"1.0\"\nschema:\n  - {name: id, type: long, required: true}\nteam: {owner: team@acme.com}\n";
    private const string Job = "tenant_id: acme\nsource_connector: csv\nasset: orders\nasset_path: asset.yaml\nsource:\n  files: [{path: data.csv}]\n";

    private readonly TempDir _tmp = new("dativo-yaml-limits-");

    public void Dispose() => _tmp.Dispose();

    /// <summary>The "billion laughs": level i is a list of ten aliases of level i-1, so level 8 stands for 10^9 values.</summary>
    private static string Bomb(string indent, int levels)
    {
        var sb = new StringBuilder($"{indent}l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < levels; i++)
            sb.Append(indent).Append($"l{i}: &l{i} [").Append(string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))).Append("]\n");
        return sb.ToString();
    }

    private ConfigException LoadFails(string job, string asset = Asset)
    {
        _tmp.File("asset.yaml", asset);
        _tmp.File("data.csv", "id\n");
        var path = _tmp.File("job.yaml", job);
        return Assert.Throws<ConfigException>(() => JobLoader.Load(path, _ => null));
    }

    /// <summary>Loads in this thread and measures what it allocated: a bomb must be refused without expanding it.</summary>
    private ConfigException LoadFailsSmall(string job, string asset = Asset)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = LoadFails(job, asset);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 32L * 1024 * 1024, $"loading allocated {allocated / (1024 * 1024)} MiB");
        return e;
    }

    [Theory]
    [InlineData(6)] // ~1.1 million values once expanded
    [InlineData(9)] // ~1.1 billion
    public void Alias_bomb_in_a_job_is_refused_at_the_alias_that_crosses_the_limit(int levels)
    {
        var e = LoadFailsSmall(Job + "  connection:\n" + Bomb("    ", levels));
        var issue = Assert.Single(e.Issues);
        Assert.EndsWith("job.yaml", issue.File);
        Assert.Equal(13, issue.Line); // l5: the first list whose aliases add up to more than the limit
        Assert.Contains("more than 200000 YAML nodes through alias *l4", issue.Message);
        Assert.Contains("job.yaml:13:", e.Message);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(9)]
    public void Alias_bomb_in_a_contract_is_refused_in_the_contract_file(int levels)
    {
        var asset = Asset.Replace("  - {name: id, type: long, required: true}\n", "  - name: id\n    type: long\n    customProperties:\n" + Bomb("      ", levels));
        var e = LoadFailsSmall(Job, asset);
        var issue = Assert.Single(e.Issues);
        Assert.EndsWith("asset.yaml", issue.File);
        Assert.Equal(12, issue.Line);
        Assert.Contains("through alias *l4", issue.Message);

        var direct = Assert.Throws<ConfigException>(() => ContractLoader.Load(_tmp.File("asset.yaml"), _ => null, "asset.yaml"));
        Assert.Contains("asset.yaml:12:", direct.Message);
    }

    [Fact]
    public void Alias_bomb_in_a_connector_recipe_is_refused()
    {
        _tmp.File("recipe.yaml", "type: csv\nroles: [source]\noptions:\n" + Bomb("  ", 9));
        var e = LoadFailsSmall(Job + "source_connector_path: recipe.yaml\n");
        var issue = Assert.Single(e.Issues);
        Assert.EndsWith("recipe.yaml", issue.File);
        Assert.Contains("more than 200000 YAML nodes", issue.Message);
    }

    [Fact]
    public void An_alias_inside_the_node_it_repeats_is_refused()
    {
        var e = LoadFails(Job + "  connection:\n    loop: &a [x, *a]\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal((8, 18), (issue.Line, issue.Column));
        Assert.Contains("alias *a is inside the node &a it repeats", issue.Message);
    }

    [Fact]
    public void Too_many_aliases_are_refused()
    {
        var e = LoadFails(Job + "  connection:\n    s: &s x\n    many: [" + string.Join(", ", Enumerable.Repeat("*s", 1001)) + "]\n");
        Assert.Contains("more than 1000 aliases", Assert.Single(e.Issues).Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_it_exhausts_the_stack()
    {
        const int depth = 200_000;
        var e = LoadFails(Job + "  connection:\n    deep: " + new string('[', depth) + new string(']', depth) + "\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal(8, issue.Line);
        Assert.Contains("nested more than 64 levels deep", issue.Message);
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused_without_parsing_it()
    {
        var filler = new StringBuilder();
        while (filler.Length <= 4 * 1024 * 1024) filler.Append("# a comment line that only makes the file bigger\n");
        var e = LoadFails(Job + filler);
        var issue = Assert.Single(e.Issues);
        Assert.EndsWith("job.yaml", issue.File);
        Assert.Contains("larger than 4194304 bytes (4 MiB)", issue.Message);
    }

    [Fact]
    public void A_second_document_in_a_job_is_an_error_at_its_marker()
    {
        var e = LoadFails(Job + "---\ntenant_id: other\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal((7, 1), (issue.Line, issue.Column));
        Assert.Contains("a second YAML document starts here", issue.Message);
        Assert.Contains("job.yaml:7:1", e.Message);
    }

    [Fact]
    public void A_second_document_in_a_contract_or_recipe_is_an_error_at_its_marker()
    {
        var e = LoadFails(Job, Asset + "---\nname: other\n");
        var issue = Assert.Single(e.Issues);
        Assert.EndsWith("asset.yaml", issue.File);
        Assert.Equal(6, issue.Line);

        _tmp.File("recipe.yaml", "type: csv\nroles: [source]\n...\n--- \ntype: postgres\n");
        e = LoadFails(Job + "source_connector_path: recipe.yaml\n");
        issue = Assert.Single(e.Issues);
        Assert.EndsWith("recipe.yaml", issue.File);
        Assert.Equal(4, issue.Line);
        Assert.Contains("second YAML document", issue.Message);
    }

    [Fact]
    public void One_document_with_markers_and_anchors_still_loads()
    {
        _tmp.File("asset.yaml", Asset);
        var path = _tmp.File("job.yaml", "---\n" + Job + "  connection:\n    base: &b {host: db, port: 5432}\n    copy: *b\n...\n");
        var job = JobLoader.Load(path, _ => null);
        Assert.Equal(5432L, (long)job.Config.Source.Connection!["copy"]!["port"]!);
    }
}
