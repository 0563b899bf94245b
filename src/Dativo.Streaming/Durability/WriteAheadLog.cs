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
/// </summary>
internal sealed class WriteAheadLog : IAsyncDisposable
{
    private const int HeaderBytes = 24;
    private const string Extension = ".wal";

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

    private WriteAheadLog(string dir, long segmentBytes, long budgetBytes, Action<WalGroup> committed, long nextSeq)
    {
        _dir = dir;
        _segmentBytes = segmentBytes;
        _budgetBytes = budgetBytes;
        _committed = committed;
        _nextSeq = nextSeq;
        foreach (var file in Directory.GetFiles(dir, "*" + Extension))
            _segments.Add(long.Parse(Path.GetFileNameWithoutExtension(file), CultureInfo.InvariantCulture), new FileInfo(file).Length);
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
        var next = 0L;
        var files = Directory.GetFiles(dir, "*" + Extension)
            .Select(f => (First: long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture), Path: f))
            .OrderBy(f => f.First).ToList();
        for (var i = 0; i < files.Count; i++)
        {
            next = Math.Max(next, files[i].First);
            var validLength = await ReadSegmentAsync(files[i].Path, async e =>
            {
                next = e.Seq + 1;
                await replay(e).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            if (validLength < new FileInfo(files[i].Path).Length)
            {
                // a crash during the last group's write: those records were never acknowledged
                using var f = new FileStream(files[i].Path, FileMode.Open, FileAccess.Write);
                f.SetLength(validLength);
                f.Flush(flushToDisk: true);
                for (var j = i + 1; j < files.Count; j++) File.Delete(files[j].Path);
                break;
            }
        }
        return new WriteAheadLog(dir, segmentBytes, budgetBytes, committed, next);
    }

    /// <summary>
    /// Appends <paramref name="records"/>; completes with the first one's seq once they are on disk. The log owns
    /// <paramref name="owner"/> (the records' memory) from here: it passes with the committed group, or is disposed on failure.
    /// </summary>
    public Task<long> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, long arrivalMs, IDisposable? owner = null)
    {
        var bytes = 0L;
        foreach (var r in records) bytes += r.Length + HeaderBytes;
        lock (_gate)
        {
            if (_retainedBytes + _pendingBytes + bytes > _budgetBytes)
            {
                owner?.Dispose();
                throw new WalFullException($"the write-ahead log holds {_retainedBytes + _pendingBytes} undelivered bytes, its budget is {_budgetBytes}");
            }
            _pendingBytes += bytes;
        }
        var pending = new Pending(records, arrivalMs, bytes, owner);
        if (!_pending.Writer.TryWrite(pending))
        {
            lock (_gate) _pendingBytes -= bytes;
            owner?.Dispose();
            throw new ObjectDisposedException(nameof(WriteAheadLog));
        }
        return pending.Done.Task;
    }

    /// <summary>Deletes the closed segments whose every record has a seq below <paramref name="firstUndelivered"/>.</summary>
    public void Trim(long firstUndelivered)
    {
        lock (_gate)
        {
            while (_segments.Count > 1 && _segments.Keys[1] <= firstUndelivered)
            {
                var first = _segments.Keys[0];
                File.Delete(SegmentPath(first));
                _retainedBytes -= _segments.Values[0];
                _segments.RemoveAt(0);
            }
        }
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
                }
                if (BeforeSync is { } hook) await hook().ConfigureAwait(false);
                _current.Flush(flushToDisk: true);
                Interlocked.Increment(ref _syncs);
                lock (_gate)
                {
                    _segments[_segments.Keys[^1]] = _current.Length;
                    _retainedBytes += written;
                    _pendingBytes -= group.Sum(p => p.Bytes);
                }
                _committed(new WalGroup(entries.ToArray(), [.. group.Where(p => p.Owner is not null).Select(p => p.Owner!)]));
                foreach (var p in group) p.Done.TrySetResult(p.FirstSeq);
                if (_current.Length >= _segmentBytes) Roll();
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
        lock (_gate) _current = OpenSegment(_nextSeq);
    }

    private FileStream OpenSegment(long firstSeq)
    {
        var path = SegmentPath(firstSeq);
        var isNew = !File.Exists(path);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        if (isNew)
        {
            DirectorySync.Flush(_dir);
            _segments[firstSeq] = 0;
        }
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

    /// <summary>Reads the valid entries of one segment; returns the length of its valid part.</summary>
    private static async Task<long> ReadSegmentAsync(string path, Func<WalEntry, Task> onEntry, CancellationToken ct)
    {
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
            await onEntry(new WalEntry(BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8)), BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16)), data)).ConfigureAwait(false);
            valid = f.Position;
        }
    }

    private sealed class Pending(IReadOnlyList<ReadOnlyMemory<byte>> records, long arrivalMs, long bytes, IDisposable? owner)
    {
        public IDisposable? Owner { get; } = owner;

        public IReadOnlyList<ReadOnlyMemory<byte>> Records { get; } = records;
        public long ArrivalMs { get; } = arrivalMs;
        public long Bytes { get; } = bytes;
        public long FirstSeq { get; set; }
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
