using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests.Safety;

/// <summary>Issue #11 item 7: a template value never becomes shell (or interpreter) syntax in a command task.</summary>
public sealed class CommandTemplateTests
{
    /// <summary>Dataset names an attacker who can write the dataset list (env, file, SSM, Secrets Manager) might choose.</summary>
    internal static readonly string[] Hostile =
    [
        "x$(touch pwned1)", "a`touch pwned2`", "b;touch pwned3", "c\ntouch pwned4", "d'e\"f", "$(touch pwned5)",
        "g && touch pwned6 #", "*", "-c", "sp  ace", "h\\'i",
    ];

    [Fact]
    public async Task The_shipped_example_prints_hostile_dataset_names_and_runs_none_of_them()
    {
        using var dir = new TempDir();
        File.Copy(Repo.Path_("examples", "pipelines", "per_dataset.yaml"), Path.Combine(dir.Path, "per_dataset.yaml"));
        var r = await CliRunner.RunAsync(dir.Path, ["pipeline", "run", "per_dataset.yaml", "--correlation-id", "x", "--export-date", "2026-11-01"],
            new Dictionary<string, string> { ["EMR_DATASETS_LIST"] = JsonSerializer.Serialize(Hostile) });
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Empty(Directory.GetFiles(dir.Path, "pwned*", SearchOption.AllDirectories));

        var logs = Path.Combine(dir.Path, ".dativo", "logs", "per_dataset", "x");
        var printed = string.Concat(Directory.GetFiles(Path.Combine(logs, "process"), "*.log").Select(File.ReadAllText));
        foreach (var d in Hostile) Assert.Contains($"processing {d} (sample, 2026-11-01)\n", printed);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(logs, "summarize", "task.1.log")))!;
        Assert.Equal(Hostile.Order(StringComparer.Ordinal), summary["items"]!.AsArray().Select(i => (string)i!["dataset"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Values_arrive_intact_as_arguments_and_environment()
    {
        using var h = new EngineHarness();
        var p = h.Load($$$"""
            name: p
            tasks:
              - name: t
                type: command
                foreach: {sources: [{values: {{{JsonSerializer.Serialize(Hostile)}}}}]}
                concurrency: 1
                env: {V: "{{ dataset }}"}
                command: [bash, -c, 'printf "%s\0%s\0" "$1" "$V" >> out.bin', t, "{{ dataset }}"]
            """);
        var run = await h.RunAsync(p, "c");
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var fields = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(h.Dir.Path, "out.bin"))).Split('\0')[..^1];
        Assert.Equal(Hostile.Length * 2, fields.Length);
        for (var i = 0; i < fields.Length; i += 2) Assert.Equal(fields[i], fields[i + 1]);
        Assert.Equal(Hostile.Order(StringComparer.Ordinal), fields.Where((_, i) => i % 2 == 0).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(h.Dir.Path, "pwned*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("[bash, -c, 'echo {{ dataset }}']", 2)]
    [InlineData("[sh, -ec, 'echo \"{{ dataset }}\"']", 2)]
    [InlineData("[/bin/bash, -o, pipefail, -c, 'echo {{ dataset }}']", 4)]
    [InlineData("[env, A=1, timeout, 5, bash, -c, 'echo {{ dataset }}']", 6)]
    [InlineData("[docker, run, img, sh, -c, 'echo {{ dataset }}']", 5)]
    [InlineData("[python3, -c, 'print(\"{{ dataset }}\")']", 2)]
    [InlineData("[perl, -ne, 'print \"{{ dataset }}\"', f]", 2)]
    [InlineData("[node, '--eval={{ dataset }}']", 1)]
    [InlineData("[awk, -F, ',', '{print \"{{ dataset }}\"}', f]", 3)]
    [InlineData("[sed, -e, 's/a/{{ dataset }}/e', f]", 2)]
    [InlineData("[ssh, host, 'ls {{ dataset }}']", 2)]
    [InlineData("[psql, -d, db, -c, \"SELECT '{{ dataset }}'\"]", 4)]
    public void A_template_inside_program_text_is_refused_when_the_pipeline_is_loaded(string command, int index)
    {
        using var h = new EngineHarness();
        var e = Assert.Throws<ConfigException>(() => h.Load($"name: p\ntasks:\n  - name: t\n    type: command\n    foreach: {{sources: [{{values: [a]}}]}}\n    command: {command}\n"));
        var issue = Assert.Single(e.Issues);
        Assert.Equal($"tasks[0].command[{index}]", issue.KeyPath);
        Assert.Equal(6, issue.Line);
        Assert.Contains("would let a value become code; pass the value in env:", issue.Message);
    }

    [Theory]
    [InlineData("[bash, -c, 'echo \"$1\"', t, '{{ dataset }}']")]
    [InlineData("[bash, item.sh, '{{ dataset }}']")]
    [InlineData("[python3, script.py, --name, '{{ dataset }}']")]
    [InlineData("[echo, 'name={{ dataset }}']")]
    [InlineData("[bash, -c, 'echo \"$V\"']")]
    public void Templates_outside_program_text_are_accepted(string command)
    {
        using var h = new EngineHarness();
        var p = h.Load($"name: p\ntasks:\n  - name: t\n    type: command\n    foreach: {{sources: [{{values: [a]}}]}}\n    env: {{V: \"{{{{ dataset }}}}\"}}\n    command: {command}\n");
        Assert.Single(p.Tasks);
    }

    [Fact]
    public void Script_files_of_shells_and_interpreters_are_found_as_paths()
    {
        Assert.Equal([(1, CommandArguments.Role.ScriptFile)], CommandArguments.Find(["bash", "s.sh", "x"]).Select(a => (a.Index, a.Role)));
        Assert.Equal([(2, CommandArguments.Role.ScriptFile)], CommandArguments.Find(["python3", "-u", "s.py", "x"]).Select(a => (a.Index, a.Role)));
        Assert.Empty(CommandArguments.Find(["grep", "-c", "x", "f"]));
    }

    [Fact]
    public async Task A_templated_program_that_turns_out_to_be_a_shell_is_checked_when_it_runs()
    {
        using var h = new EngineHarness();
        var p = h.Load("""
            name: p
            params: {shell: bash}
            tasks:
              - name: t
                type: command
                foreach: {sources: [{values: ["x; touch pwned"]}]}
                command: ["{{ params.shell }}", -c, "echo {{ dataset }}"]
            """);
        var run = await h.RunAsync(p, "c");
        Assert.Equal(RunStatus.Failed, run.Status);
        var item = Assert.Single(await h.ItemsAsync(run.RunId, "t"));
        Assert.Contains("command[2]: a template inside program text that bash runs would let a value become code", item.Error);
        Assert.False(File.Exists(Path.Combine(h.Dir.Path, "pwned")));
    }
}
