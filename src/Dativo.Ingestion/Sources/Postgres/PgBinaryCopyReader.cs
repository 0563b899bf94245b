using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Dativo.Core.Errors;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>What <see cref="PgBinaryCopyReader.ReadRow"/> found at the read position.</summary>
internal enum PgCopyRow { Read, Partial, End }

/// <summary>
/// The framing of a PostgreSQL binary COPY stream (<c>COPY … TO STDOUT (FORMAT BINARY)</c>): the header (signature,
/// flags, extension), then per tuple an int16 field count (−1 ends the data) and per field an int32 length (−1 = NULL)
/// followed by the payload, which the column readers decode. The stream is read in big chunks; a tuple cut by the end of
/// the buffer is read again after <see cref="FillAsync"/> moved it to the front and appended the rest.
/// </summary>
internal sealed class PgBinaryCopyReader(Stream stream, string table, PgColumnReader[] columns, int bufferSize = 1 << 20) : IDisposable
{
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];
    private const int HasOids = 1 << 16;
    private const int CriticalFlags = 0xFFFF;

    private byte[] _buf = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, 16));
    private int _pos;
    private int _end;
    private bool _eof;

    /// <summary>Tuples read so far (the number of the last one read).</summary>
    public long Rows { get; private set; }

    /// <summary>True once the end-of-data marker was read.</summary>
    public bool Done { get; private set; }

    public async ValueTask ReadHeaderAsync(CancellationToken ct)
    {
        while (!TryHeader()) await FillAsync(ct).ConfigureAwait(false);
    }

    private bool TryHeader()
    {
        var span = _buf.AsSpan(_pos, _end - _pos);
        if (span.Length < Signature.Length + 8) return false;
        if (!span.StartsWith(Signature)) throw Malformed("the stream does not start with the binary COPY signature");
        var flags = BinaryPrimitives.ReadInt32BigEndian(span[Signature.Length..]);
        if ((flags & (CriticalFlags | HasOids)) != 0) throw Malformed($"unsupported header flags 0x{flags:X8}");
        var extension = BinaryPrimitives.ReadInt32BigEndian(span[(Signature.Length + 4)..]);
        if (extension < 0) throw Malformed($"negative header extension length {extension}");
        if (span.Length < Signature.Length + 8 + extension) return false;
        _pos += Signature.Length + 8 + extension;
        return true;
    }

    /// <summary>
    /// Decodes the next tuple into row <paramref name="row"/> of the column arrays, or reports that it is not wholly in
    /// the buffer (call <see cref="FillAsync"/> and again) or that the data ended.
    /// </summary>
    public PgCopyRow ReadRow(int row)
    {
        try
        {
            return ReadRowCore(row);
        }
        catch (PgValueException e)
        {
            throw new DativoException(
                $"{table} row {Rows + 1}, column {e.Column.Name} ({e.Column.Type}): {e.Message}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private PgCopyRow ReadRowCore(int row)
    {
        var span = _buf.AsSpan(_pos, _end - _pos);
        if (span.Length < 2) return PgCopyRow.Partial;
        var fields = BinaryPrimitives.ReadInt16BigEndian(span);
        if (fields != columns.Length)
        {
            if (fields != -1) throw Malformed($"a tuple has {fields} fields, expected {columns.Length}");
            _pos += 2;
            Done = true;
            return PgCopyRow.End;
        }
        var p = 2;
        foreach (var c in columns)
        {
            if (span.Length - p < 4) return PgCopyRow.Partial;
            var length = BinaryPrimitives.ReadInt32BigEndian(span[p..]);
            p += 4;
            if (length < 0)
            {
                if (length != -1) throw Malformed($"field length {length}");
                c.SetNull(row);
                continue;
            }
            if (span.Length - p < length) return PgCopyRow.Partial;
            c.Read(span.Slice(p, length), row);
            p += length;
        }
        _pos += p;
        Rows++;
        return PgCopyRow.Read;
    }

    /// <summary>Keeps the unread bytes, moved to the front, and appends from the stream until the buffer is full or the stream ends.</summary>
    public async ValueTask FillAsync(CancellationToken ct)
    {
        if (_eof) throw Malformed(Done ? "read past the end of the data" : "the stream ended inside a tuple");
        var unread = _end - _pos;
        if (unread == _buf.Length)
        {
            // one tuple larger than the buffer
            var bigger = ArrayPool<byte>.Shared.Rent(_buf.Length * 2);
            _buf.AsSpan(_pos, unread).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        else if (_pos > 0) _buf.AsSpan(_pos, unread).CopyTo(_buf);
        _pos = 0;
        _end = unread;
        // a COPY stream hands out about one tuple per read (one protocol message each), so keep reading: the first read
        // may wait for the server; the rest are served from the connection's read buffer, synchronously (an async read
        // with a cancellation registration per ~100-byte tuple cost more than decoding it)
        ct.ThrowIfCancellationRequested();
        var first = await stream.ReadAsync(_buf.AsMemory(_end), ct).ConfigureAwait(false);
        if (first == 0) { _eof = true; return; }
        _end += first;
        while (_end < _buf.Length)
        {
            var n = stream.Read(_buf.AsSpan(_end));
            if (n == 0) { _eof = true; break; }
            _end += n;
        }
    }

    /// <summary>After the end-of-data marker: reads the stream to its end, which completes the COPY command on the connection.</summary>
    public async ValueTask FinishAsync(CancellationToken ct)
    {
        if (!Done) throw new InvalidOperationException("the COPY data has not ended");
        if (_end > _pos) throw Malformed($"{_end - _pos} bytes after the end-of-data marker");
        var rest = new byte[64];
        while (!_eof)
        {
            var n = await stream.ReadAsync(rest, ct).ConfigureAwait(false);
            if (n == 0) _eof = true;
            else throw Malformed("data after the end-of-data marker");
        }
    }

    private DativoException Malformed(string what) => new($"{table}: unexpected binary COPY data from PostgreSQL: {what}");

    public void Dispose()
    {
        var buf = Interlocked.Exchange(ref _buf, []);
        if (buf.Length > 0) ArrayPool<byte>.Shared.Return(buf);
    }
}
