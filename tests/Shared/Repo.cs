using System.Diagnostics;

namespace Dativo.Testing;

/// <summary>Paths inside the repository, found from the test binary. Tests read only what the repository holds
/// (reference material lives in <c>tests/fixtures</c>), so a plain clone runs every test.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A file or folder under <c>tests/fixtures</c>; throws when it is missing, so a test never skips or passes without it.</summary>
    public static string Fixture(params string[] parts)
    {
        var path = Path.Combine([Root, "tests", "fixtures", .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"test fixture missing: {path} (fixtures live in tests/fixtures, see its README.md)", path);
        return path;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dativo.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (Dativo.slnx) not found");
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), (prefix ?? "dativo-test-") + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative, string? content = null)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        if (content is not null) System.IO.File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Runs <c>./dativo</c> as a user would.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    /// <summary>Starts <c>./dativo</c> with redirected output, for tests that talk to the running process.</summary>
    public static Process Start(string workingDir, IReadOnlyList<string> args, IEnumerable<KeyValuePair<string, string>>? env = null)
    {
        var psi = new ProcessStartInfo(Path.Combine(Repo.Root, "dativo"))
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["DATIVO_NO_PROGRESS"] = "1";
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    public static async Task<Result> RunAsync(string workingDir, IReadOnlyList<string> args, IEnumerable<KeyValuePair<string, string>>? env = null)
    {
        using var p = Start(workingDir, args, env);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> RunAsync(string workingDir, IDictionary<string, string>? env, params string[] args) => RunAsync(workingDir, (IReadOnlyList<string>)args, env);

    public static Task<Result> RunAsync(string workingDir, params string[] args) => RunAsync(workingDir, null, args);
}
