using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dativo.Core.Errors;
using Dativo.Core.Processes;
using Dativo.Lake.State;

namespace Dativo.Ingestion.Running;

/// <summary>
/// The claim one run of a job holds while it reads and commits: an entry in the state store created with compare-and-set,
/// renewed while the run lives and expiring when it stops renewing. A second run of the same job fails at once, naming
/// the holder. The table commit's own compare-and-set on the job state is what guarantees no duplicates; the lease turns
/// a wasted run that would be refused at its commit into an immediate, clear error.
/// </summary>
internal sealed class JobLease : IAsyncDisposable
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);
    private const string Namespace = "ingestion-leases";

    private readonly IStateStore _store;
    private readonly string _key;
    private readonly string _json;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private long _version;

    private JobLease(IStateStore store, string key, string json, long version, TimeProvider time)
    {
        _store = store;
        _key = key;
        _json = json;
        _version = version;
        _renewal = RenewAsync(time, _stop.Token);
    }

    /// <summary>Takes the claim on <paramref name="job"/> (tenant/job) writing <paramref name="table"/>, or throws a <see cref="DativoException"/> naming the run that holds it.</summary>
    public static async Task<JobLease> AcquireAsync(IStateStore store, string job, string table, string runId, TimeProvider time, CancellationToken ct)
    {
        var key = $"{job} -> {table}";
        var me = new Holder(runId, Environment.ProcessId, Environment.MachineName, time.GetUtcNow(), ProcessStart(Environment.ProcessId));
        var json = JsonSerializer.Serialize(me);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var put = await store.PutAsync(Namespace, key, json, expectedVersion: 0, ttl: Ttl, ct).ConfigureAwait(false);
            if (put.Succeeded) return new JobLease(store, key, json, put.Version, time);
            var held = await store.GetAsync(Namespace, key, ct).ConfigureAwait(false);
            if (held is null) continue; // released or expired in between
            var holder = Parse(held.Json);
            if (holder is not null && !IsGone(holder)) throw AlreadyRunning(job, table, holder, held.ExpiresAt);
            // the holder died on this host without releasing: take its claim over (compare-and-set on its version)
            var takeover = await store.PutAsync(Namespace, key, json, held.Version, Ttl, ct).ConfigureAwait(false);
            if (takeover.Succeeded) return new JobLease(store, key, json, takeover.Version, time);
        }
        throw new DativoException($"job {job}: could not claim the job in the state store (other runs keep taking it); try again");
    }

    private static DativoException AlreadyRunning(string job, string table, Holder h, DateTimeOffset? expires) => new(
        $"job {job} is already running on table {table} (pid {h.Pid} on host {h.Host}, since {h.Since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}, run {h.RunId}); " +
        "two runs of one job at once could load the same data twice, so this run did nothing. Wait for that run to finish" +
        (expires is { } e ? $" (if its process is gone, its claim expires at {e.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture)})" : ""));

    /// <summary>A holder on this host whose process no longer exists (or is another process with a reused pid).</summary>
    private static bool IsGone(Holder h)
    {
        if (h.Host != Environment.MachineName) return false; // another host: only its expiry tells
        if (h.Pid == Environment.ProcessId) return false;
        var start = ProcessStart(h.Pid);
        return start is null ? !ProcessExists(h.Pid) : h.ProcessStart is { } recorded && recorded != start;
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Start time of a process in clock ticks since boot, or null where /proc is not available.</summary>
    private static long? ProcessStart(int pid) => (long?)ProcessTable.Read(pid)?.StartTicks;

    private async Task RenewAsync(TimeProvider time, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RenewEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var r = await _store.PutAsync(Namespace, _key, _json, Interlocked.Read(ref _version), Ttl, ct).ConfigureAwait(false);
                if (!r.Succeeded) return; // taken over after an expiry: the commit's compare-and-set still protects the data
                Interlocked.Exchange(ref _version, r.Version);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is DativoException or IOException or InvalidOperationException)
        {
            // a renewal that cannot reach the store lets the claim expire; the commit itself is guarded independently
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        _stop.Dispose();
        try { await _store.DeleteAsync(Namespace, _key, Interlocked.Read(ref _version), CancellationToken.None).ConfigureAwait(false); }
        catch (Exception e) when (e is DativoException or IOException or InvalidOperationException) { /* expires by itself */ }
    }

    private static Holder? Parse(string json)
    {
        try { return JsonSerializer.Deserialize<Holder>(json); }
        catch (JsonException) { return null; }
    }

    private sealed record Holder(
        [property: JsonPropertyName("run_id")] string RunId,
        [property: JsonPropertyName("pid")] int Pid,
        [property: JsonPropertyName("host")] string Host,
        [property: JsonPropertyName("since")] DateTimeOffset Since,
        [property: JsonPropertyName("process_start")] long? ProcessStart);
}
