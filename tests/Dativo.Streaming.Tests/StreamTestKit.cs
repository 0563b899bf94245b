using System.IO.Compression;
using System.Text;
using Dativo.Lake.Storage;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Jq;
using Dativo.Streaming.Prefixes;
using Dativo.Streaming.Processing;
using Dativo.Streaming.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Streaming.Tests;

/// <summary>Streams over a temp folder with a fake clock, and readers of what they delivered.</summary>
internal static class StreamTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static StreamSettings Settings(string destination, Func<StreamSettings, StreamSettings>? change = null)
    {
        var s = new StreamSettings { Name = "clicks", Destination = destination, Compression = CompressionFormat.Uncompressed };
        return change is null ? s : change(s);
    }

    /// <summary>Dynamic partitioning on <c>k</c> (<c>data/k=…/</c>), errors under <c>errors/…/</c>, newline appending.</summary>
    public static StreamSettings DynamicPartitioning(string destination, Func<StreamSettings, StreamSettings>? change = null) => Settings(destination, s =>
    {
        s = s with
        {
            EnableDynamicPartitioning = true,
            JqMetadataQuery = "{k:.k}",
            Prefix = "data/k=!{partitionKeyFromQuery:k}/",
            ErrorPrefix = "errors/!{firehose:error-output-type}/",
            EnableNewlineAppending = true,
        };
        return change is null ? s : change(s);
    });

    public static DeliveryStream Open(StreamSettings s, string dataDir, TimeProvider time, long walBudget = 1L << 30, long segmentBytes = 64L << 20) =>
        new(s, dataDir, ObjectStores.Open(s.Destination), time, new HttpClient(), "us-east-1", "000000000000", walBudget, segmentBytes);

    public static ReadOnlyMemory<byte>[] Records(params string[] texts) => [.. texts.Select(t => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(t))];

    /// <summary>Every delivered object under <paramref name="root"/>: relative key → its text (decompressed).</summary>
    public static SortedDictionary<string, string> Objects(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return result;
        foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(root, file).Replace('\\', '/');
            using var f = File.OpenRead(file);
            Stream s = key.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(f, CompressionMode.Decompress)
                : key.EndsWith(".zst", StringComparison.Ordinal) ? new ZstdSharp.DecompressionStream(f) : f;
            using var r = new StreamReader(s);
            result[key] = r.ReadToEnd();
        }
        return result;
    }

    public static RecordProcessor Processor(StreamSettings s, TimeProvider? time = null) =>
        new(s, StreamPrefixes.Create(s.Name, s.Prefix, s.ErrorPrefix, s.EnableDynamicPartitioning),
            s.JqMetadataQuery is { } q ? JqQuery.Parse(q) : null,
            s.Transformation is { } t ? new Transformer(t, "arn:aws:firehose:us-east-1:000000000000:deliverystream/" + s.Name, "us-east-1", new HttpClient()) : null,
            time ?? new FakeTimeProvider(Start));

    public static WalEntry Entry(long seq, DateTimeOffset at, string text) => new(seq, at.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(text));
}
