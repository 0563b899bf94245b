using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Lake.Storage;
using Dativo.Orchestration.Tasks.Files;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// <c>runner: dativo</c>: puts Dativo's Spark runner and an item's task spec under the task's S3 staging prefix, through
/// the lake's S3 store. The runner's key carries a hash of its content (<c>runner/dativo_spark_runner-&lt;sha256&gt;.py</c>),
/// so it is uploaded once per version and a job run never sees it change; the spec's key is
/// <c>specs/&lt;correlation id&gt;/&lt;task&gt;/&lt;dataset&gt;.json</c> (rewritten with the same content on a retry).
/// </summary>
internal static class EmrServerlessStaging
{
    private static readonly Lazy<byte[]> RunnerBytes = new(() =>
    {
        using var s = typeof(EmrServerlessStaging).Assembly.GetManifestResourceStream("Dativo.Spark.dativo_spark_runner.py")
            ?? throw new InvalidOperationException("the Spark runner is not embedded in this build");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    });

    public static byte[] Runner => RunnerBytes.Value;

    public static string RunnerKey => $"runner/dativo_spark_runner-{Convert.ToHexStringLower(SHA256.HashData(Runner))[..16]}.py";

    public static string SpecKey(TaskInvocation inv) =>
        $"specs/{Segment(inv.Run.CorrelationId)}/{Segment(inv.Task.Name)}/{Segment(inv.Dataset ?? inv.Task.Name)}.json";

    /// <summary>Uploads what the item's job run needs; the S3 URIs of the runner and of the spec.</summary>
    public static async Task<(string Runner, string Spec)> UploadAsync(TaskInvocation inv, EmrServerlessSettings s, Action<string> log, CancellationToken ct)
    {
        var store = DayLocation.Open(inv, s.Staging!);
        try
        {
            var runnerKey = RunnerKey;
            if (await store.ExistsAsync(runnerKey, ct))
                log($"runner {store.UriOf(runnerKey)} is staged already");
            else
            {
                await store.PutAsync(runnerKey, new MemoryStream(Runner, writable: false), ct);
                log($"uploaded the runner to {store.UriOf(runnerKey)}");
            }
            var spec = (JsonObject)s.Spec!.DeepClone();
            spec["version"] ??= 1;
            var specKey = SpecKey(inv);
            await store.PutAsync(specKey, new MemoryStream(Encoding.UTF8.GetBytes(spec.ToJsonString())), ct);
            log($"uploaded the task spec to {store.UriOf(specKey)}");
            return (store.UriOf(runnerKey), store.UriOf(specKey));
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException)
        {
            throw new DativoException($"with.staging {s.Staging}: could not upload the runner or the task spec: {e.Message}; check the bucket, the credentials and s3:PutObject/s3:GetObject on the prefix");
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary>A key segment from a name: safe characters kept, anything else replaced and told apart by a short hash.</summary>
    private static string Segment(string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).TrimStart('.');
        if (safe == name && safe.Length is > 0 and <= 200) return safe;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return (safe.Length > 200 ? safe[..200] : safe) + "-" + hash;
    }
}
