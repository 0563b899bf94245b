using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Dativo.Testing;

namespace Dativo.Cli.Tests;

/// <summary>
/// Every shell block of README.md, docs/ and examples/ is run: per document, its blocks in order in one bash process
/// (a walkthrough's steps share variables) on a fresh copy of the repository, where <c>./dativo</c> is the CLI under test.
/// A block that cannot run here says why in a marker comment on the line before its fence:
/// <c>&lt;!-- docs-test: covered-by TestClass --&gt;</c> (the named test class must exist and runs it) or
/// <c>&lt;!-- docs-test: not-run REASON --&gt;</c> (e.g. it needs a real AWS account). Syntax summaries go in <c>text</c> fences.
/// </summary>
public sealed partial class DocumentedCommandsTests
{
    private static readonly string[] ShellLanguages = ["bash", "sh", "shell", "console"];

    public static TheoryData<string> DocumentsWithCommands()
    {
        var data = new TheoryData<string>();
        foreach (var doc in Documents().Where(d => Blocks(d).Any(b => b.Marker is null))) data.Add(doc);
        return data;
    }

    [Fact]
    public void Every_shell_block_runs_or_names_what_covers_it()
    {
        var testSources = Directory.EnumerateFiles(Repo.Path_("tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();
        var problems = new List<string>();
        var blocks = Documents().SelectMany(Blocks).ToList();
        foreach (var b in blocks)
        {
            if (b.Marker is null) continue;
            var m = MarkerRegex().Match(b.Marker);
            if (!m.Success) { problems.Add($"{b.Where}: unknown marker '{b.Marker}' (covered-by CLASS or not-run REASON)"); continue; }
            if (m.Groups[1].Value == "covered-by")
            {
                foreach (var cls in m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    if (!testSources.Any(s => s.Contains($"class {cls}", StringComparison.Ordinal)))
                        problems.Add($"{b.Where}: covered-by names {cls}, but no test class has that name");
            }
            else if (m.Groups[2].Value.Trim().Length < 10) problems.Add($"{b.Where}: not-run needs a reason");
        }
        Assert.True(blocks.Count(b => b.Marker is null) >= 10, "the docs test found almost no runnable blocks: is the fence parsing broken?");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DocumentsWithCommands))]
    public async Task Document_commands_run_on_a_fresh_copy(string doc)
    {
        using var copy = new TempDir("dativo-docs-");
        CopyRepository(copy.Path);
        var script = new StringBuilder("set -euo pipefail\n");
        foreach (var b in Blocks(doc).Where(b => b.Marker is null))
        {
            script.Append("echo \"### ").Append(b.Where).Append("\" >&2\n");
            script.Append(b.Text).Append('\n');
        }
        var (code, output) = await RunBashAsync(copy.Path, script.ToString());
        Assert.True(code == 0, $"{doc}: a documented command failed (exit {code}); the last block started is named by its ### line:\n{Tail(output, 6000)}");
    }

    private sealed record Block(string Where, string Text, string? Marker);

    private static IEnumerable<string> Documents()
    {
        var root = Repo.Root;
        yield return "README.md";
        foreach (var dir in new[] { "docs", "examples" })
            foreach (var f in Directory.EnumerateFiles(Path.Combine(root, dir), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                yield return Path.GetRelativePath(root, f).Replace('\\', '/');
    }

    private static List<Block> Blocks(string doc)
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, doc));
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = FenceRegex().Match(lines[i]);
            if (!open.Success) continue;
            var lang = open.Groups[2].Value.ToLowerInvariant();
            var start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith(open.Groups[1].Value, StringComparison.Ordinal); i++) body.Add(lines[i]);
            if (!ShellLanguages.Contains(lang)) continue;
            var prev = start > 0 ? lines[start - 1].Trim() : "";
            var marker = prev.StartsWith("<!-- docs-test:", StringComparison.Ordinal) ? prev["<!-- docs-test:".Length..].TrimEnd('>', '-', ' ').Trim() : null;
            blocks.Add(new Block($"{doc}:{start + 1}", string.Join('\n', body), marker));
        }
        return blocks;
    }

    /// <summary>The repository's files (tracked and new, not ignored) into <paramref name="dest"/>, with <c>./dativo</c>
    /// running the CLI this test run built instead of building another one.</summary>
    private static void CopyRepository(string dest)
    {
        var psi = new ProcessStartInfo("git", "ls-files -z -co --exclude-standard") { WorkingDirectory = Repo.Root, RedirectStandardOutput = true };
        using var git = Process.Start(psi)!;
        var list = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        foreach (var rel in list.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var from = Path.Combine(Repo.Root, rel);
            if (!File.Exists(from)) continue;
            var to = Path.Combine(dest, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
        }
        // the launcher builds when needed; the copy's shim runs the build of this repository
        var launcher = Path.Combine(dest, "dativo");
        File.WriteAllText(launcher, $"#!/usr/bin/env bash\nexec \"{Path.Combine(Repo.Root, "dativo")}\" \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private static async Task<(int Code, string Output)> RunBashAsync(string dir, string script)
    {
        var psi = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["DATIVO_NO_PROGRESS"] = "1";
        foreach (var k in new[] { "DATIVO_STATE", "DATIVO_STATE_URI", "DATIVO_SECRETS_DIR", "AWS_PROFILE", "AWS_ACCESS_KEY_ID" }) psi.Environment.Remove(k);
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        var gate = new Lock();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            return (-1, "timed out after 8 minutes\n" + output);
        }
        p.WaitForExit();
        lock (gate) return (p.ExitCode, output.ToString());
    }

    private static string Tail(string s, int n) => s.Length <= n ? s : "…" + s[^n..];

    [GeneratedRegex(@"^\s*(`{3,})\s*([A-Za-z]*)")]
    private static partial Regex FenceRegex();

    [GeneratedRegex(@"^(covered-by|not-run)\s+(.+)$")]
    private static partial Regex MarkerRegex();
}
