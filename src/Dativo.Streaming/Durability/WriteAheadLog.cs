using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Threading.Channels;
using Dativo.Lake.Storage.Local;

namespace Dativo.Streaming.Durability;

/// <summary>
/// Append-only log of acknowledged records in segment files <c>&lt;first seq&gt;.wal</c>. Appends are group-committed:
/// one writer takes every pending append, writes them and fsyncs once, then completes them all, so concurrent puts
/// share a sync. Entry: length (4), CRC-32 of the rest (4), seq (8), arrival ms (8), data. A torn tail (crash during a
/// write) fails its CRC and is cut off at open; only entries whose sync completed were ever acknowledged.
/// Trimmed segments are recycled: renamed to a spare and overwritten by a later segment, because unlinking 64 MiB files
/// stalled the log's fsyncs for ~200 ms (the file system frees their blocks in the same journal). What follows a
/// segment's valid entries may therefore be an older use's entries: the valid part is the run of entries whose seqs
/// continue from the segment's first seq, and a spare never holds a seq at or above the log's next.
/// </summary>
internal sealed class WriteAheadLog : IAsyncDisposable
{
    private const int HeaderBytes = 24;
    private const string Extension = ".wal";
    private const string SpareExtension = ".spare";
    private const int MaxSpares = 2;

    private readonly string _dir;
    private readonly long _segmentBytes;
    private readonly long _budgetBytes;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SortedList<long, long> _segments = new(); // first seq → size in bytes (the last one is open)
    private readonly Lock _gate = new();
    private readonly Task _writer;
    private readonly Action<WalGroup> _committed;
    private readonly Crc32 _crc = new(); // the writer's
    private FileStream _current;
    private long _nextSeq;
    private long _retainedBytes;
    private long _pendingBytes;
    private long _syncs;
    private readonly Queue<string> _spares = new(); // lock _gate
    private int _spareNumber;

    private WriteAheadLog(string dir, long segmentBytes, long budgetBytes, Action<WalGroup> committed, long nextSeq, Dictionary<long, long> validLengths)
    {
        _dir = dir;
        _segmentBytes = segmentBytes;
        _budgetBytes = budgetBytes;
        _committed = committed;
        _nextSeq = nextSeq;
        foreach (var (first, length) in validLengths) _segments.Add(first, length);
        _retainedBytes = _segments.Values.Sum();
        _current = OpenSegment(nextSeq);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The sequence number the next appended record gets.</summary>
    public long NextSeq { get { lock (_gate) return _nextSeq; } }

    /// <summary>The first seq a replay would read (the first record of the oldest segment kept).</summary>
    public long FirstRetainedSeq { get { lock (_gate) return _segments.Count == 0 ? _nextSeq : _segments.Keys[0]; } }

    /// <summary>fsyncs done so far (one per group of appends).</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Test hook: awaited by the writer before each sync, so a test can hold a group while others queue.</summary>
    internal Func<Task>? BeforeSync { get; set; }

    /// <summary>Bytes in segment files not yet trimmed.</summary>
    public long RetainedBytes => Interlocked.Read(ref _retainedBytes);

    /// <summary>
    /// Opens the log in <paramref name="dir"/>, cutting a torn tail. <paramref name="replay"/> gets every entry still in
    /// the log, in order, before the log accepts appends; <paramref name="committed"/> then gets each group after its sync.
    /// </summary>
    public static async Task<WriteAheadLog> OpenAsync(string dir, long segmentBytes, long budgetBytes,
        Func<WalEntry, Task> replay, Action<WalGroup> committed, CancellationToken ct)
    {
        DirectorySync.CreateDurably(dir);
        // spares from an earlier run hold seqs the replay must never mistake for a continuation: gone before anything
        foreach (var spare in Directory.GetFiles(dir, "*" + SpareExtension)) File.Delete(spare);
        var next = 0L;
        var files = Directory.GetFiles(dir, "*" + Extension)
            .Select(f => (First: long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture), Path: f))
            .OrderBy(f => f.First).ToList();
        var validLengths = new Dictionary<long, long>();
        for (var i = 0; i < files.Count; i++)
        {
            if (i > 0 && files[i].First != next)
            {
                // a gap: the segment before ends early (a crash during its last write), so nothing after it was ever
                // acknowledged
                foreach (var later in files.Skip(i)) File.Delete(later.Path);
                break;
            }
            next = files[i].First;
            var validLength = await ReadSegmentAsync(files[i].Path, files[i].First, async e =>
            {
                next = e.Seq + 1;
                await replay(e).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            validLengths[files[i].First] = validLength;
            if (i == files.Count - 1 && validLength < new FileInfo(files[i].Path).Length)
            {
                // the open segment: a torn last write (never acknowledged) or an older use's entries; appends go on from here
                using var f = new FileStream(files[i].Path, FileMode.Open, FileAccess.Write);
                f.SetLength(validLength);
                f.Flush(flushToDisk: true);
            }
        }
        return new WriteAheadLog(dir, segmentBytes, budgetBytes, committed, next, validLengths);
    }

    /// <summary>
    /// Appends <paramref name="records"/>; completes with the first one's seq once they are on disk. The log owns
    /// <paramref name="owner"/> (the records' memory) from here: it passes with the committed group, or is disposed on failure.
    /// </summary>
    /// <remarks>
    /// <paramref name="marker"/>, when given, is written right after the records in the same group (the same sync): a
    /// note about them that the replay gets back (<see cref="WalEntry.IsMarker"/>) and the committed groups leave out —
    /// e.g. the source position they were read up to.
    /// </remarks>
    public Task<long> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, long arrivalMs, IDisposable? owner = null, ReadOnlyMemory<byte>? marker = null)
    {
        var bytes = 0L;
        foreach (var r in records) bytes += r.Length + HeaderBytes;
        if (marker is { } m) bytes += m.Length + HeaderBytes;
        lock (_gate)
        {
            if (_retainedBytes + _pendingBytes + bytes > _budgetBytes)
            {
                owner?.Dispose();
                throw new WalFullException($"the write-ahead log holds {_retainedBytes + _pendingBytes} undelivered bytes, its budget is {_budgetBytes}");
            }
            _pendingBytes += bytes;
        }
        var pending = new Pending(records, arrivalMs, bytes, owner, marker);
        if (!_pending.Writer.TryWrite(pending))
        {
            lock (_gate) _pendingBytes -= bytes;
            owner?.Dispose();
            throw new ObjectDisposedException(nameof(WriteAheadLog));
        }
        return pending.Done.Task;
    }

    /// <summary>
    /// Retires the closed segments whose every record has a seq below <paramref name="firstUndelivered"/>: renamed to
    /// spares (a few) or deleted, durably, when this returns — outside the lock that appends take.
    /// </summary>
    public void Trim(long firstUndelivered)
    {
        var retired = new List<(string Path, string? Spare)>();
        lock (_gate)
        {
            while (_segments.Count > 1 && _segments.Keys[1] <= firstUndelivered)
            {
                string? spare = null;
                if (_spares.Count + retired.Count(r => r.Spare is not null) < MaxSpares)
                    spare = Path.Combine(_dir, (++_spareNumber).ToString(CultureInfo.InvariantCulture) + SpareExtension);
                retired.Add((SegmentPath(_segments.Keys[0]), spare));
                _retainedBytes -= _segments.Values[0];
                _segments.RemoveAt(0);
            }
        }
        if (retired.Count == 0) return;
        foreach (var (path, spare) in retired)
        {
            if (spare is null) File.Delete(path);
            else File.Move(path, spare);
        }
        DirectorySync.Flush(_dir); // a retired segment never comes back after a crash to be replayed again
        lock (_gate)
            foreach (var (_, spare) in retired)
                if (spare is not null) _spares.Enqueue(spare);
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _current.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<Pending>();
        var entries = new List<WalEntry>();
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            entries.Clear();
            while (group.Count < 4096 && _pending.Reader.TryRead(out var p)) group.Add(p);
            try
            {
                long written = 0;
                foreach (var p in group)
                {
                    p.FirstSeq = _nextSeq;
                    foreach (var data in p.Records)
                    {
                        var e = new WalEntry(_nextSeq++, p.ArrivalMs, data);
                        WriteEntry(_current, e, _crc);
                        entries.Add(e);
                        written += HeaderBytes + data.Length;
                    }
                    if (p.Marker is { } marker)
                    {
                        WriteEntry(_current, new WalEntry(_nextSeq++, WalEntry.MarkerArrival, marker), _crc);
                        written += HeaderBytes + marker.Length;
                    }
                }
                if (BeforeSync is { } hook) await hook().ConfigureAwait(false);
                _current.Flush(flushToDisk: true);
                Interlocked.Increment(ref _syncs);
                lock (_gate)
                {
                    _segments[_segments.Keys[^1]] = _current.Position;
                    _retainedBytes += written;
                    _pendingBytes -= group.Sum(p => p.Bytes);
                }
                _committed(new WalGroup(entries.ToArray(), [.. group.Where(p => p.Owner is not null).Select(p => p.Owner!)]));
                foreach (var p in group) p.Done.TrySetResult(p.FirstSeq);
                if (_current.Position >= _segmentBytes) Roll();
            }
            catch (Exception e)
            {
                lock (_gate) _pendingBytes -= group.Sum(p => p.Bytes);
                foreach (var p in group)
                {
                    p.Owner?.Dispose();
                    p.Done.TrySetException(e);
                }
            }
        }
    }

    private void Roll()
    {
        _current.Dispose();
        var next = OpenSegment(_nextSeq); // file work outside the lock that appends take
        lock (_gate) _current = next;
    }

    /// <summary>The segment starting at <paramref name="firstSeq"/>: the existing one (appends go on at its end), a spare renamed, or a new file.</summary>
    private FileStream OpenSegment(long firstSeq)
    {
        var path = SegmentPath(firstSeq);
        if (File.Exists(path)) return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        string? spare;
        lock (_gate) _spares.TryDequeue(out spare);
        if (spare is not null) File.Move(spare, path); // overwritten from the start: its old entries are below firstSeq
        var stream = new FileStream(path, spare is null ? FileMode.CreateNew : FileMode.Open, FileAccess.Write, FileShare.Read, 1 << 16);
        DirectorySync.Flush(_dir);
        lock (_gate) _segments[firstSeq] = 0;
        return stream;
    }

    private string SegmentPath(long firstSeq) => Path.Combine(_dir, firstSeq.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    private static void WriteEntry(Stream s, WalEntry e, Crc32 crc)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, e.Data.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], e.Seq);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], e.ArrivalMs);
        crc.Reset();
        crc.Append(header[8..]);
        crc.Append(e.Data.Span);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], crc.GetCurrentHashAsUInt32());
        s.Write(header);
        s.Write(e.Data.Span);
    }

    /// <summary>
    /// Reads the valid entries of one segment — intact, and with the seqs <paramref name="firstSeq"/>, +1, … (what follows
    /// may be a torn write or a recycled file's older entries); returns the length of its valid part.
    /// </summary>
    private static async Task<long> ReadSegmentAsync(string path, long firstSeq, Func<WalEntry, Task> onEntry, CancellationToken ct)
    {
        var expected = firstSeq;
        await using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        var header = new byte[HeaderBytes];
        long valid = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (await f.ReadAtLeastAsync(header, HeaderBytes, throwOnEndOfStream: false, ct).ConfigureAwait(false) < HeaderBytes) return valid;
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (length < 0 || length > f.Length - f.Position) return valid;
            var data = new byte[length];
            if (await f.ReadAtLeastAsync(data, length, throwOnEndOfStream: false, ct).ConfigureAwait(false) < length) return valid;
            var crc = new Crc32();
            crc.Append(header.AsSpan(8));
            crc.Append(data);
            if (crc.GetCurrentHashAsUInt32() != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4))) return valid;
            var seq = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8));
            if (seq != expected++) return valid;
            await onEntry(new WalEntry(seq, BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16)), data)).ConfigureAwait(false);
            valid = f.Position;
        }
    }

    private sealed class Pending(IReadOnlyList<ReadOnlyMemory<byte>> records, long arrivalMs, long bytes, IDisposable? owner, ReadOnlyMemory<byte>? marker)
    {
        public ReadOnlyMemory<byte>? Marker { get; } = marker;

        public IDisposable? Owner { get; } = owner;

        public IReadOnlyList<ReadOnlyMemory<byte>> Records { get; } = records;
        public long ArrivalMs { get; } = arrivalMs;
        public long Bytes { get; } = bytes;
        public long FirstSeq { get; set; }
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
