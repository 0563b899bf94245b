using System.Diagnostics;

namespace Dativo.Testing.Services;

/// <summary>
/// One s3rver (tests/services/node_modules) per test process on 127.0.0.1 with an OS-assigned
/// port and a temp data folder. The node host exits when this process exits or crashes (its
/// stdin closes and it polls our pid). Use <see cref="S3BucketFixture"/> for a fresh bucket per test class.
/// </summary>
internal sealed class S3Server
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly Lazy<S3Server> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static int _buckets;

    private S3Server(string? skipReason, string endpoint = "")
    {
        SkipReason = skipReason;
        Endpoint = endpoint;
    }

    public static S3Server Instance => Shared.Value;

    public string? SkipReason { get; }

    /// <summary>e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Creates an empty bucket with a unique name and returns the name.</summary>
    public string CreateBucket(string prefix)
    {
        if (SkipReason is not null) throw new InvalidOperationException(SkipReason);
        var name = $"{prefix.ToLowerInvariant()}-{Interlocked.Increment(ref _buckets)}-{Guid.NewGuid().ToString("N")[..8]}";
        using var response = Http.Send(new HttpRequestMessage(HttpMethod.Put, $"{Endpoint}/{name}"));
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"creating bucket {name} failed: {(int)response.StatusCode}");
        return name;
    }

    private static S3Server Start()
    {
        var node = ServiceProcesses.OnPath("node");
        if (node is null) return new S3Server("node is not on PATH (needed for the s3rver S3 test server)");
        var services = Repo.Path_("tests", "services");
        if (!File.Exists(Path.Combine(services, "node_modules", "s3rver", "package.json")))
            return new S3Server("tests/services/node_modules/s3rver is missing: run `npm install` in tests/services (test.sh does)");

        var dir = ServiceProcesses.NewServiceDir("s3");
        var psi = new ProcessStartInfo(node)
        {
            WorkingDirectory = services,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(services, "s3rver-host.js"));
        psi.ArgumentList.Add(dir);
        psi.ArgumentList.Add(Environment.ProcessId.ToString());
        var process = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();

        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is not { } text || !text.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ServiceProcesses.TryDeleteDir(dir);
            lock (stderr) return new S3Server($"s3rver did not start: {stderr}");
        }
        var port = int.Parse(text["LISTENING ".Length..]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(3000)) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            ServiceProcesses.TryDeleteDir(dir);
        };
        return new S3Server(null, $"http://127.0.0.1:{port}");
    }
}

/// <summary>A fresh bucket on the shared <see cref="S3Server"/> for one test class (<c>IClassFixture</c>).</summary>
public sealed class S3BucketFixture
{
    public S3BucketFixture()
    {
        var server = S3Server.Instance;
        SkipReason = server.SkipReason;
        if (SkipReason is not null)
        {
            Console.WriteLine("[S3Server] skipped: " + SkipReason);
            return;
        }
        Endpoint = server.Endpoint;
        Bucket = server.CreateBucket("t");
    }

    public string? SkipReason { get; }

    public string Endpoint { get; } = "";

    public string Bucket { get; } = "";

    public string AccessKey => S3Server.AccessKey;

    public string SecretKey => S3Server.SecretKey;
}
