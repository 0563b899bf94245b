using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dativo.Lake.Storage.Local;

namespace Dativo.Streaming.Durability;

/// <summary>
/// Which outputs were delivered, written (and synced) after each object lands, so a replay of the write-ahead log skips
/// them. A partition buffer takes that partition's outputs in log order, so an object of a partition is a range of
/// ordinals [first, last] within it; an error object lists its ordinals, because what fails can differ on a replay
/// (an overflowing partition, a transformation that failed once). A crash between the object's write and this record
/// makes the replay write the same object name again (names derive from the first ordinal): overwritten, not doubled.
/// When the pipeline's answer can differ on a replay (a transformation, format conversion), a data object is recorded
/// with its exact ordinals instead (<see cref="OrdinalRunBuilder"/>), and the replay skips an ordinal found there
/// whatever partition it goes to now: a record that landed is not delivered again under another prefix. Such an
/// object's name and ordinals are also recorded before it is written, so a start finds the writes a crash cut short
/// and asks the store whether they landed (the replay could route those records elsewhere and not overwrite them).
/// </summary>
internal sealed class DeliveryLog : IDisposable
{
    private readonly string _path;
    private readonly Dictionary<string, List<(long First, long Last)>> _ranges = new(StringComparer.Ordinal);
    private readonly HashSet<long> _errorOrdinals = [];
    private readonly List<(string Partition, long[] Runs)> _exact = [];
    private readonly OrdinalRunSet _exactOrdinals = new();
    private readonly Dictionary<(string Partition, long First), Entry> _writing = [];
    private FileStream _file;
    private int _entries;

    private DeliveryLog(string path)
    {
        _path = path;
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                Entry? e;
                try { e = JsonSerializer.Deserialize(line, DeliveryLogJson.Default.Entry); }
                catch (JsonException) { break; } // a torn last line: that object was not recorded, its replay overwrites it
                if (e is not null) Add(e);
            }
        }
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
    }

    public static DeliveryLog Open(string dir)
    {
        DirectorySync.CreateDurably(dir);
        return new DeliveryLog(Path.Combine(dir, "delivered.log"));
    }

    public bool HasEntries => _entries > 0;

    /// <summary>
    /// True when the output <paramref name="ordinal"/> was delivered: in partition <paramref name="partition"/>, as an
    /// error, or in any object recorded with its exact ordinals.
    /// </summary>
    public bool WasDelivered(string? partition, long ordinal)
    {
        if (_errorOrdinals.Contains(ordinal) || _exactOrdinals.Contains(ordinal)) return true;
        if (partition is null || !_ranges.TryGetValue(partition, out var list)) return false;
        foreach (var (first, last) in list)
            if (ordinal >= first && ordinal <= last) return true;
        return false;
    }

    public void RecordPartition(string partition, long first, long last) => Append(new Entry { Partition = partition, First = first, Last = last });

    /// <summary>A data object of <paramref name="partition"/> holding exactly the ordinals of <paramref name="runs"/> (first, last, …).</summary>
    public void RecordPartitionOrdinals(string partition, long[] runs) => Append(new Entry { Partition = partition, Runs = runs });

    /// <summary>Before object <paramref name="key"/> of <paramref name="partition"/> with exactly <paramref name="runs"/> is written.</summary>
    public void RecordWriting(string partition, string key, long[] runs) => Append(new Entry { Partition = partition, Runs = runs, Writing = key });

    /// <summary>Objects recorded as being written and not as delivered: a crash came in between, they may or may not have landed.</summary>
    public IReadOnlyList<(string Partition, string Key, long[] Runs)> UnfinishedWrites =>
        [.. _writing.Values.Select(e => (e.Partition!, e.Writing!, e.Runs!))];

    /// <summary>
    /// Settles an unfinished write: recorded as delivered when its object is found, abandoned when not (so a later
    /// start does not take an object the replay writes under the same name for this one).
    /// </summary>
    public void SettleWrite(string partition, long[] runs, bool landed) =>
        Append(landed ? new Entry { Partition = partition, Runs = runs } : new Entry { Partition = partition, Runs = [runs[0], runs[0]], Abandoned = true });

    public void RecordErrors(IReadOnlyList<long> ordinals) => Append(new Entry { Errors = [.. ordinals] });

    /// <summary>Rewrites the log without entries wholly below <paramref name="firstUndeliveredOrdinal"/> (their records left the log).</summary>
    public void Compact(long firstUndeliveredOrdinal)
    {
        var keep = new List<Entry>();
        foreach (var (p, list) in _ranges)
            foreach (var (f, l) in list)
                if (l >= firstUndeliveredOrdinal) keep.Add(new Entry { Partition = p, First = f, Last = l });
        foreach (var (p, runs) in _exact)
            if (runs[^1] >= firstUndeliveredOrdinal) keep.Add(new Entry { Partition = p, Runs = runs });
        keep.AddRange(_writing.Values); // being written right now
        var errors = _errorOrdinals.Where(o => o >= firstUndeliveredOrdinal).Order().ToArray();
        if (errors.Length > 0) keep.Add(new Entry { Errors = errors });
        var tmp = _path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            foreach (var e in keep) f.Write(Line(e));
            f.Flush(flushToDisk: true);
        }
        _file.Dispose();
        File.Move(tmp, _path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(_path)!);
        _ranges.Clear();
        _errorOrdinals.Clear();
        _exact.Clear();
        _exactOrdinals.Clear();
        _writing.Clear();
        _entries = 0;
        foreach (var e in keep) Add(e);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public int EntryCount => _entries;

    public void Dispose() => _file.Dispose();

    private void Append(Entry e)
    {
        _file.Write(Line(e));
        _file.Flush(flushToDisk: true);
        Add(e);
    }

    private void Add(Entry e)
    {
        _entries++;
        if (e.Errors is { } errors)
        {
            foreach (var o in errors) _errorOrdinals.Add(o);
            return;
        }
        if (e.Partition is null) return;
        if (e.Runs is { Length: >= 2 } runs)
        {
            if (e.Abandoned == true)
            {
                _writing.Remove((e.Partition, runs[0]));
                return;
            }
            if (e.Writing is not null)
            {
                _writing[(e.Partition, runs[0])] = e;
                return;
            }
            _writing.Remove((e.Partition, runs[0]));
            _exact.Add((e.Partition, runs));
            _exactOrdinals.Add(runs);
            return;
        }
        if (!_ranges.TryGetValue(e.Partition, out var list)) _ranges[e.Partition] = list = [];
        list.Add((e.First, e.Last));
    }

    private static byte[] Line(Entry e) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(e, DeliveryLogJson.Default.Entry) + "\n");

    internal sealed class Entry
    {
        [JsonPropertyName("p")] public string? Partition { get; set; }
        [JsonPropertyName("f")] public long First { get; set; }
        [JsonPropertyName("l")] public long Last { get; set; }
        [JsonPropertyName("e")] public long[]? Errors { get; set; }
        /// <summary>Exact ordinals of a data object: first, last, first, last… (absent in logs of older versions).</summary>
        [JsonPropertyName("r")] public long[]? Runs { get; set; }
        /// <summary>The object key of an exact-ordinals object about to be written (not delivered yet).</summary>
        [JsonPropertyName("w")] public string? Writing { get; set; }
        /// <summary>The write of partition p starting at r[0] did not land (found at a start).</summary>
        [JsonPropertyName("x")] public bool? Abandoned { get; set; }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeliveryLog.Entry))]
internal sealed partial class DeliveryLogJson : JsonSerializerContext;
