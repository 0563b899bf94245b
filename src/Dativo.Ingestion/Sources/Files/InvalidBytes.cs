using System.Globalization;
using System.Text;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// Finds the bytes a text file's encoding cannot decode (invalid UTF-8, …), which a reader would otherwise turn into
/// U+FFFD without a word. Each undecodable sequence decodes to the noncharacter U+FFFE (which text never holds) and is
/// queued with its byte offset, so the record holding it can be rejected saying where and what the bytes were.
/// </summary>
internal sealed class InvalidBytes : IDisposable
{
    public const char Marker = '\uFFFE';

    private readonly Queue<(long Offset, byte[] Bytes)> _found = new();
    private readonly OffsetStream _stream;
    private readonly int _preamble;

    /// <summary>Wraps <paramref name="stream"/> (read it through <see cref="Stream"/>) and gives <paramref name="encoding"/> the marking fallback.</summary>
    public InvalidBytes(Stream stream, Encoding encoding)
    {
        _stream = new OffsetStream(stream);
        // with the byte order mark as its preamble, StreamReader skips a UTF-8 one itself; otherwise it would detect it
        // and decode with a UTF-8 decoder of its own, which replaces invalid bytes with U+FFFD
        Encoding = (Encoding)(encoding is UTF8Encoding ? new UTF8Encoding(encoderShouldEmitUTF8Identifier: true) : encoding).Clone();
        Encoding.DecoderFallback = new Fallback(this);
        _preamble = Encoding.Preamble.Length;
    }

    public Stream Stream => _stream;

    public void Dispose() => _stream.Dispose();

    public Encoding Encoding { get; }

    /// <summary>Undecodable sequences decoded but not yet taken by <see cref="Describe"/>: while there are none, no record holds a marker.</summary>
    public bool Pending => _found.Count > 0;

    /// <summary>Takes the <paramref name="count"/> next sequences and says what and where they are.</summary>
    public string Describe(int count)
    {
        var parts = new List<string>();
        for (var i = 0; i < count && _found.TryDequeue(out var f); i++)
            if (parts.Count < 3) parts.Add($"{Convert.ToHexString(f.Bytes)} at byte {f.Offset.ToString(CultureInfo.InvariantCulture)}");
        return $"bytes not valid in the file's encoding: {string.Join(", ", parts)}{(count > 3 ? $" (and {count - 3} more)" : "")}";
    }

    /// <summary>The value with each marker shown as <c>\x</c> and the bytes it replaced (peeked, not taken).</summary>
    public string Show(ReadOnlySpan<char> value, int max)
    {
        var sb = new StringBuilder();
        using var next = _found.GetEnumerator();
        foreach (var c in value)
        {
            if (sb.Length >= max) return sb.Append('…').ToString();
            if (c != Marker) sb.Append(c);
            else if (next.MoveNext()) foreach (var b in next.Current.Bytes) sb.Append("\\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private sealed class Fallback(InvalidBytes owner) : DecoderFallback
    {
        public override int MaxCharCount => 1;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer(owner);
    }

    private sealed class Buffer(InvalidBytes owner) : DecoderFallbackBuffer
    {
        private bool _pending;

        public override int Remaining => _pending ? 1 : 0;

        public override bool Fallback(byte[] bytesUnknown, int index)
        {
            // the decoder works on the bytes of the stream's last read (index < 0: bytes left over from the one before),
            // the first read without the byte order mark StreamReader took off
            var start = owner._stream.LastReadStart;
            if (start == 0 && owner._stream.StartsWith(owner.Encoding.Preamble)) start = owner._preamble;
            owner._found.Enqueue((start + index, bytesUnknown));
            _pending = true;
            return true;
        }

        public override char GetNextChar()
        {
            if (!_pending) return '\0';
            _pending = false;
            return Marker;
        }

        public override bool MovePrevious()
        {
            if (_pending) return false;
            _pending = true;
            return true;
        }

        public override void Reset() => _pending = false;
    }

    /// <summary>A read-only pass-through that remembers where its last read started.</summary>
    private sealed class OffsetStream(Stream inner) : Stream
    {
        private long _position;

        private readonly byte[] _head = new byte[4];
        private int _headLength;

        public long LastReadStart { get; private set; }

        /// <summary>Whether the stream's first bytes are <paramref name="prefix"/> (at most 4).</summary>
        public bool StartsWith(ReadOnlySpan<byte> prefix) => prefix.Length > 0 && _head.AsSpan(0, _headLength).StartsWith(prefix);

        private void Keep(ReadOnlySpan<byte> read)
        {
            var n = Math.Min(read.Length, _head.Length - _headLength);
            if (n <= 0) return;
            read[..n].CopyTo(_head.AsSpan(_headLength));
            _headLength += n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            Keep(buffer[..n]);
            LastReadStart = _position;
            _position += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Keep(buffer.Span[..n]);
            LastReadStart = _position;
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
