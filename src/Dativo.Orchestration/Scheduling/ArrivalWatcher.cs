using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dativo.Lake.State;
using Dativo.Lake.Storage;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Scheduling;

/// <summary>
/// Object-arrival trigger on a local folder or an S3 prefix (polled through <see cref="IObjectStore"/>): files under a prefix template such as <c>cyi/{date:yyyy-MM-dd}/</c>
/// are grouped by date; when a date's files have not changed for the settle window, one run starts for that date
/// (export date = the prefix's date), not one per file. Files that arrive later start a re-run of that date.
/// </summary>
public sealed class ArrivalWatcher
{
    public const string Namespace = "orchestration.arrivals";

    private readonly IStateStore _state;
    private readonly TimeProvider _time;
    private readonly LoadedPipeline _pipeline;
    private readonly ObjectArrivalDefinition _def;
    private readonly ArrivalPrefix _prefix;
    private readonly Func<string, IObjectStore> _openStore;

    /// <param name="openStore">Opens the watched location (default <see cref="ObjectStores.Open"/>: a folder, or s3://bucket/prefix with the standard AWS settings).</param>
    public ArrivalWatcher(IStateStore state, TimeProvider time, LoadedPipeline pipeline, ObjectArrivalDefinition def, Func<string, IObjectStore>? openStore = null)
    {
        _state = state;
        _time = time;
        _pipeline = pipeline;
        _def = def;
        _openStore = openStore ?? (location => ObjectStores.Open(location));
        _prefix = new ArrivalPrefix(def.Prefix);
    }

    public TimeSpan Settle => Durations.ParseOrNull(_def.Settle) ?? TimeSpan.FromSeconds(60);

    public TimeSpan PollInterval => Durations.ParseOrNull(_def.PollInterval) ?? TimeSpan.FromSeconds(30);

    private sealed class DateState
    {
        public string Seen { get; set; } = "";
        public DateTimeOffset LastChange { get; set; }
        public string Fired { get; set; } = "";
        public int Runs { get; set; }
    }

    /// <summary>Looks once; returns the runs to start now (and records them as started).</summary>
    public async Task<List<RunRequest>> PollAsync(CancellationToken ct)
    {
        var location = _def.Location.Contains("://", StringComparison.Ordinal) ? _def.Location : _pipeline.Resolve(_def.Location);
        var byDate = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var o in _openStore(location).ListAsync(_prefix.ListPrefix, ct))
        {
            if (_prefix.DateOf(o.Key) is not { } key) continue;
            if (!byDate.TryGetValue(key, out var list)) byDate[key] = list = [];
            list.Add($"{o.Key}:{o.Size}:{o.ETag ?? o.LastModified.UtcTicks.ToString(CultureInfo.InvariantCulture)}");
        }
        var now = _time.GetUtcNow();
        var due = new List<RunRequest>();
        foreach (var (date, files) in byDate)
        {
            files.Sort(StringComparer.Ordinal);
            var signature = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", files))));
            var key = $"{_pipeline.Name}|{date}";
            var entry = await _state.GetAsync(Namespace, key, ct);
            var s = entry is null ? new DateState() : JsonSerializer.Deserialize<DateState>(entry.Json)!;
            if (s.Seen != signature)
            {
                s.Seen = signature;
                s.LastChange = now;
            }
            else if (s.Fired != signature && now - s.LastChange >= Settle)
            {
                s.Fired = signature;
                s.Runs++;
                // the start date marks the run as being for exactly this date (a daily load then processes it, not the day before)
                due.Add(new RunRequest(s.Runs == 1 ? $"arrival-{date}" : $"arrival-{date}-r{s.Runs}", date, date));
            }
            await _state.PutAsync(Namespace, key, JsonSerializer.Serialize(s), null, TimeSpan.FromDays(30), ct);
        }
        return due;
    }

    public async Task RunAsync(Func<RunRequest, CancellationToken, Task<RunRecord>> run, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            foreach (var r in await PollAsync(ct))
            {
                try { await run(r, ct); }
                catch (Core.Errors.DativoException) { }
            }
            await Task.Delay(PollInterval, _time, ct);
        }
    }
}
