using System.Diagnostics;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Engine;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests.Aws;

/// <summary>
/// The Spark runner (spark/dativo_spark_runner.py) as far as it can be checked without Spark: it compiles, and its
/// spec handling and Spark calls are right (spark/tests/test_runner.py with a recording session). The example SQL it
/// would run is kept to the dialect DuckDB and Spark share: every file parses and runs on DuckDB.
/// </summary>
public sealed class SparkRunnerTests
{
    public static TheoryData<string> ExampleSql()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Repo.Path_("examples"), "*.sql", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Repo.Root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleSql))]
    public async Task Example_sql_parses_and_runs_on_duckdb(string file)
    {
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        await ShipmentAnalytics.RegisterInputAsync(engine, Repo.Fixture("shipping-004", "shipping_data_sample_1000.csv"), null, CancellationToken.None);
        var result = await engine.QueryAsync(await File.ReadAllTextAsync(Repo.Path_(file)));
        Assert.NotEmpty(result.Rows);
    }

    [SkippableFact]
    public async Task The_runner_compiles_and_its_python_tests_pass()
    {
        var python = ServiceProcesses.OnPath("python3");
        Skip.If(python is null, "python3 is not on PATH (needed to check the Spark runner)");
        var runner = Repo.Path_("spark", "dativo_spark_runner.py");
        var compile = await RunAsync(python!, "-B", "-c", "import sys; compile(open(sys.argv[1], encoding='utf-8').read(), sys.argv[1], 'exec')", runner);
        Assert.True(compile.Code == 0, compile.Output);
        var tests = await RunAsync(python!, "-B", Repo.Path_("spark", "tests", "test_runner.py"));
        Assert.True(tests.Code == 0, tests.Output);
        Assert.Contains("OK", tests.Output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
