using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Dativo.Lake.Storage;
using Dativo.Streaming.Buffering;
using Dativo.Streaming.Prefixes;
using Dativo.Streaming.Runtime;
using ZstdSharp;

namespace Dativo.Streaming.Delivery;

/// <summary>
/// The records as they are (JSON lines of error records too): a buffer becomes one object <c>&lt;prefix&gt;&lt;stream&gt;-&lt;version&gt;-yyyy-MM-dd-HH-mm-ss-&lt;uuid&gt;[.gz|.zst]</c>.
/// The uuid and the random strings of the prefix derive from the stream and the buffer's first ordinal, so delivering
/// the same records again after a crash writes the same key (an overwrite, not a duplicate).
/// </summary>
internal sealed class RawObjectSink(IObjectStore store, StreamSettings settings) : IBufferSink
{
    public Task OpenAsync(CancellationToken ct) => Task.CompletedTask;

    // an object's name derives from its first record, so a replay overwrites it: nothing to skip
    public bool AlreadyDelivered(string? partition, long ordinal) => false;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public string? ObjectKeyOf(PartitionBuffer buffer) => KeyFor(buffer);

    public string KeyFor(PartitionBuffer b)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{settings.Name}\n{settings.Version}\n{b.FirstOrdinal}\n{(b.IsError ? "e" : "d")}"));
        var prefix = PrefixTemplate.FillRandom(b.Key, new Random(BitConverter.ToInt32(hash, 16)));
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom), variant 10
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var uuid = new Guid(bytes, bigEndian: true).ToString();
        var ts = DateTimeOffset.FromUnixTimeMilliseconds(b.OldestArrivalMs).UtcDateTime.ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);
        var ext = settings.Compression switch
        {
            CompressionFormat.Gzip => ".gz",
            CompressionFormat.Zstd => ".zst",
            _ => "",
        };
        return $"{prefix}{settings.Name}-{settings.Version}-{ts}-{uuid}{ext}";
    }

    /// <summary>
    /// Compresses the buffer straight into the store's writer (no copy of the object in memory); the object appears
    /// when committed, so a failure on the way leaves nothing. Returns the key and the bytes written.
    /// </summary>
    public async Task<(string Key, long Bytes)> DeliverAsync(PartitionBuffer b, CancellationToken ct)
    {
        var key = KeyFor(b);
        await using var writer = await store.OpenWriteAsync(key, ct).ConfigureAwait(false);
        await using (var sink = Compress(writer.Stream))
        {
            foreach (var chunk in b.Chunks) await sink.WriteAsync(chunk, ct).ConfigureAwait(false);
        }
        var length = writer.Stream.Position;
        await writer.CommitAsync(ct).ConfigureAwait(false);
        return (key, length);
    }

    private Stream Compress(Stream target) => settings.Compression switch
    {
        CompressionFormat.Gzip => new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true),
        CompressionFormat.Zstd => new CompressionStream(target, level: 3, leaveOpen: true),
        _ => new NonClosingStream(target),
    };
}
