using System.Text.RegularExpressions;
using Dativo.Testing;

namespace Dativo.Cli.Tests;

/// <summary><c>dativo init</c>: a starter project whose job, pipeline and README commands work as written.</summary>
public sealed class InitCommandTests
{
    [Fact]
    public async Task Init_creates_a_project_whose_job_pipeline_and_readme_commands_all_work()
    {
        using var tmp = new TempDir("dativo-init-");
        var init = await CliRunner.RunAsync(tmp.Path, "init", "shop");
        Assert.True(init.ExitCode == 0, init.All);
        var project = Path.Combine(tmp.Path, "shop");
        foreach (var file in new[] { "README.md", ".gitignore", "jobs/orders.yaml", "contracts/orders.yaml", "pipelines/daily.yaml", "data/orders.csv" })
            Assert.True(File.Exists(Path.Combine(project, file)), file);

        Assert.Equal(0, (await CliRunner.RunAsync(project, "check", "--config", "jobs/orders.yaml")).ExitCode);
        var run = await CliRunner.RunAsync(project, "run", "--config", "jobs/orders.yaml");
        Assert.True(run.ExitCode == 0, run.All);
        var count = await CliRunner.RunAsync(project, "table", "query", "sales.orders", "--sql", "SELECT count(*) AS n FROM t", "--json");
        Assert.True(count.ExitCode == 0, count.All);
        Assert.Matches("\"n\"\\s*:\\s*5\\b", count.Stdout);
        var pipeline = await CliRunner.RunAsync(project, "pipeline", "run", "pipelines/daily.yaml");
        Assert.True(pipeline.ExitCode == 0, pipeline.All);

        // every command of the README's code block, as written
        var readme = File.ReadAllText(Path.Combine(project, "README.md"));
        var block = Regex.Match(readme, "```bash\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var commands = block.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Words).ToList();
        Assert.True(commands.Count >= 5, block);
        foreach (var words in commands)
        {
            Assert.Equal("dativo", words[0]);
            var r = await CliRunner.RunAsync(project, [.. words.Skip(1)]);
            Assert.True(r.ExitCode == 0, $"{string.Join(' ', words)}: {r.All}");
        }
    }

    [Fact]
    public async Task Init_refuses_a_folder_that_is_not_empty_and_with_force_never_overwrites()
    {
        using var tmp = new TempDir("dativo-init-");
        File.WriteAllText(Path.Combine(tmp.Path, "README.md"), "mine");
        var refused = await CliRunner.RunAsync(tmp.Path, "init");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("is not empty (it holds README.md", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "jobs")));

        var forced = await CliRunner.RunAsync(tmp.Path, "init", ".", "--force");
        Assert.True(forced.ExitCode == 0, forced.All);
        Assert.Contains("README.md (exists, kept as it is)", forced.Stdout, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(tmp.Path, "README.md")));
        Assert.True(File.Exists(Path.Combine(tmp.Path, "jobs", "orders.yaml")));
    }

    /// <summary>A command line split into words: double quotes group, <c>#</c> outside quotes starts a comment.</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"') { quoted = !quoted; any = true; continue; }
            if (!quoted && c == '#') break;
            if (!quoted && char.IsWhiteSpace(c))
            {
                if (any) words.Add(word.ToString());
                word.Clear();
                any = false;
                continue;
            }
            word.Append(c);
            any = true;
        }
        if (any) words.Add(word.ToString());
        return words;
    }
}
