using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Streaming.Tests;

/// <summary>Runs tests/services/firehose-client.js: the stock @aws-sdk/client-firehose against our endpoint.</summary>
internal static class FirehoseClient
{
    public static string? SkipReason
    {
        get
        {
            if (ServiceProcesses.OnPath("node") is null) return "node is not on PATH";
            return File.Exists(Repo.Path_("tests", "services", "node_modules", "@aws-sdk", "client-firehose", "package.json"))
                ? null
                : "tests/services/node_modules/@aws-sdk/client-firehose is missing: run `npm install` in tests/services";
        }
    }

    public static Process Start(object plan)
    {
        var psi = new ProcessStartInfo(ServiceProcesses.OnPath("node")!)
        {
            WorkingDirectory = Repo.Path_("tests", "services"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Repo.Path_("tests", "services", "firehose-client.js"));
        psi.ArgumentList.Add(JsonSerializer.Serialize(plan));
        return Process.Start(psi)!;
    }

    /// <summary>Runs a list of calls; one JSON result per call ({"ok": …} or {"error": name, …}).</summary>
    public static async Task<List<JsonNode>> CallsAsync(Uri endpoint, string key, string secret, params object[] calls)
    {
        using var p = Start(new { mode = "calls", endpoint = endpoint.ToString(), accessKeyId = key, secretAccessKey = secret, maxAttempts = 1, calls });
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        return [.. (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }
}
