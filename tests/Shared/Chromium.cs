using System.Diagnostics;

namespace Dativo.Testing;

/// <summary>Headless Debian Chromium: renders a page to its DOM and to a PNG screenshot.</summary>
internal static class Chromium
{
    public static string? Path { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public static string MissingReason => "chromium is not installed (.ci/run installs Debian's chromium package)";

    /// <summary>The DOM after rendering (what a user's browser would show).</summary>
    public static Task<string> DumpDomAsync(string url) => RunAsync(["--dump-dom", url]);

    public static async Task SaveScreenshotAsync(string url, string pngPath, int width = 1280, int height = 1600) =>
        await RunAsync([$"--screenshot={pngPath}", $"--window-size={width},{height}", url]);

    private static async Task<string> RunAsync(IEnumerable<string> args)
    {
        var profile = Directory.CreateTempSubdirectory("dativo-chromium-");
        try
        {
            var psi = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile.FullName}" }.Concat(args))
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await p.WaitForExitAsync(cts.Token);
            if (p.ExitCode != 0) throw new InvalidOperationException($"chromium exited {p.ExitCode}: {await stderr}");
            return await stdout;
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { }
        }
    }
}
