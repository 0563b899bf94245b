using System.Security.Cryptography;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// SHA-256 of a file's first bytes, as the state records it for an ingested file (<c>sha256:hex</c>): tells rows appended
/// at its end from a change of what was ingested. Also counts the line feeds and keeps the last byte it saw.
/// </summary>
internal sealed class ContentHash
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public static string Empty { get; } = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ReadOnlySpan<byte>.Empty));

    public long Bytes { get; private set; }
    public long LineFeeds { get; private set; }

    /// <summary>The last byte hashed; −1 before any.</summary>
    public int LastByte { get; private set; } = -1;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        _sha.AppendData(bytes);
        Bytes += bytes.Length;
        LineFeeds += bytes.Count((byte)'\n');
        LastByte = bytes[^1];
    }

    public string Text => "sha256:" + Convert.ToHexStringLower(_sha.GetCurrentHash());

    /// <summary>Hashes the first <paramref name="length"/> bytes of <paramref name="stream"/> (fewer when it ends before).</summary>
    public static async Task<ContentHash> OfAsync(Stream stream, long length, CancellationToken ct)
    {
        var hash = new ContentHash();
        var buffer = new byte[1 << 16];
        while (hash.Bytes < length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - hash.Bytes)), ct).ConfigureAwait(false);
            if (n == 0) break;
            hash.Append(buffer.AsSpan(0, n));
        }
        return hash;
    }
}

/// <summary>
/// The bytes of a file from where this run starts reading to the size it was listed with (a file growing while it is
/// read keeps its new bytes for the next run), fed to the file's <see cref="ContentHash"/> as they are read.
/// </summary>
internal sealed class FileRangeStream(Stream inner, long length, ContentHash? hash) : Stream
{
    private long _left = length;

    /// <summary>Positions <paramref name="inner"/> at <paramref name="offset"/> (seeking, or reading past the bytes before it).</summary>
    public static async Task<FileRangeStream> OpenAsync(Stream inner, long offset, long end, ContentHash? hash, CancellationToken ct)
    {
        if (offset > 0)
        {
            if (inner.CanSeek) inner.Seek(offset, SeekOrigin.Begin);
            else
            {
                var skip = new byte[1 << 16];
                for (var left = offset; left > 0;)
                {
                    var n = await inner.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), ct).ConfigureAwait(false);
                    if (n == 0) break;
                    left -= n;
                }
            }
        }
        return new FileRangeStream(inner, end - offset, hash);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        return Took(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken).ConfigureAwait(false);
        return Took(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Took(ReadOnlySpan<byte> bytes)
    {
        _left -= bytes.Length;
        hash?.Append(bytes);
        return bytes.Length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
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
