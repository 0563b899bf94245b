using System.Diagnostics;
using System.Text.RegularExpressions;
using Dativo.Testing;

namespace Dativo.Core.Tests;

/// <summary>The repository stands alone: what tests and examples read is inside it, and ./test.sh reports true counts.</summary>
public partial class RepositoryTests
{
    private static readonly string[] Folders = ["src", "tests", "examples", "docs", "bench", "schemas", "terraform"];
    private static readonly string[] Skipped = ["bin", "obj", "node_modules", ".build", "fixtures"];
    private static readonly string[] TextFiles = [".cs", ".md", ".sh", ".yaml", ".yml", ".json", ".py", ".js", ".mjs", ".ts", ".csproj", ".props", ".tf"];

    [Fact]
    public void No_file_reads_the_reference_folder_next_to_the_repository()
    {
        var offenders = new List<string>();
        foreach (var file in RepositoryTextFiles())
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                if (OutsideReference().IsMatch(lines[i]))
                    offenders.Add($"{Path.GetRelativePath(Repo.Root, file)}:{i + 1}: {lines[i].Trim()}");
        }
        Assert.True(offenders.Count == 0, "move what these read into tests/fixtures (see its README.md):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Each_fixture_folder_names_its_origin_and_licence()
    {
        var readme = File.ReadAllText(Repo.Fixture("README.md"));
        var sections = Regex.Split(readme, @"(?m)^## ").Skip(1).ToDictionary(s => s[..s.IndexOf('\n', StringComparison.Ordinal)].Trim(), s => s);
        foreach (var dir in Directory.GetDirectories(Repo.Fixture()))
        {
            var heading = $"`{Path.GetFileName(dir)}/`";
            Assert.True(sections.TryGetValue(heading, out var text), $"tests/fixtures/README.md has no section '## {heading}'");
            Assert.Contains("- Origin:", text, StringComparison.Ordinal);
            Assert.Contains("- Licence:", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_missing_fixture_fails_the_test_instead_of_skipping_it()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Repo.Fixture("no-such-fixture"));
        Assert.Contains("tests/fixtures", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_test_summary_counts_each_skipped_test_and_a_project_without_results_as_failed()
    {
        using var tmp = new TempDir();
        tmp.File("Dativo.A.Tests.trx", LoggerTrx);
        var lines = (await SummaryAsync(tmp.Path, "Dativo.A.Tests")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("skipped: 1", lines[^2]);
        Assert.Equal("2 passed, 1 failed", lines[^1]);
        Assert.Contains("skipped Dativo.A.Tests.T.Needs_python: python3 is not on PATH", lines);

        var crashed = (await SummaryAsync(tmp.Path, "Dativo.A.Tests", "Dativo.B.Tests")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("2 passed, 2 failed", crashed[^1]);
        Assert.Contains(crashed, l => l.StartsWith("Dativo.B.Tests: no test results", StringComparison.Ordinal));
    }

    // What the VSTest trx logger writes for an xunit run with a skip: the result says NotExecuted, but the
    // counters leave the skip out (notExecuted="0", total - executed is the only trace).
    private const string LoggerTrx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult testName="Dativo.A.Tests.T.Needs_python" outcome="NotExecuted">
              <Output><ErrorInfo><Message>python3 is not on PATH</Message></ErrorInfo></Output>
            </UnitTestResult>
            <UnitTestResult testName="Dativo.A.Tests.T.Works(x: 1)" outcome="Passed" />
            <UnitTestResult testName="Dativo.A.Tests.T.Works(x: 2)" outcome="Passed" />
            <UnitTestResult testName="Dativo.A.Tests.T.Breaks" outcome="Failed" />
          </Results>
          <ResultSummary outcome="Failed">
            <Counters total="4" executed="3" passed="2" failed="1" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
          </ResultSummary>
        </TestRun>
        """;

    private static async Task<string> SummaryAsync(string results, params string[] projects)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Repo.Path_("tests", "trx-summary.py"));
        psi.ArgumentList.Add(results);
        foreach (var p in projects) psi.ArgumentList.Add(p);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await stderr);
        return await stdout;
    }

    private static IEnumerable<string> RepositoryTextFiles()
    {
        foreach (var top in Directory.EnumerateFiles(Repo.Root).Where(IsText))
            yield return top;
        foreach (var folder in Folders.Select(f => Repo.Path_(f)).Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true }))
                if (IsText(file) && !Path.GetRelativePath(folder, file).Split(Path.DirectorySeparatorChar).Any(Skipped.Contains))
                    yield return file;
    }

    private static bool IsText(string file) =>
        TextFiles.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) || Path.GetFileName(file) is "dativo" or "test.sh";

    // A path into one of the reference folder's parts (cases, seeds, reference, the AWS suites, hooks), that folder
    // reached as a sibling (in a path string or built with Path.Combine), or the removed helpers that located it.
    [GeneratedRegex(@"\bshared/(cases|seeds|reference|aws-sigv4-testsuite|aws-models|hooks)\b|""\.\.""\s*,\s*""shared""|\.\./shared\b|\bRepo\.Shared\b|\bSharedFiles\b|DATIVO_SHARE[D]")]
    private static partial Regex OutsideReference();
}
