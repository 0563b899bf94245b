using System.IO.Compression;
using ParquetSharp;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Data file settings; defaults follow Iceberg's (<c>write.target-file-size-bytes</c> 128 MiB, zstd).</summary>
public sealed record WriteOptions
{
    public const long DefaultTargetFileSize = 128L * 1024 * 1024;

    /// <summary>A file is closed and a new one started once it reaches this size.</summary>
    public long TargetFileSizeBytes { get; init; } = DefaultTargetFileSize;

    /// <summary>Rows buffered per partition before a row group is written.</summary>
    public int RowGroupRows { get; init; } = 1_000_000;

    public Compression Compression { get; init; } = Compression.Zstd;

    public CompressionLevel CompressionLevel { get; init; } = CompressionLevel.Fastest;

    /// <summary>Options from table properties (<c>write.target-file-size-bytes</c>, <c>write.parquet.compression-codec</c>, <c>write.parquet.row-group-rows</c>).</summary>
    public static WriteOptions FromProperties(IReadOnlyDictionary<string, string> props)
    {
        var o = new WriteOptions();
        if (props.TryGetValue("write.target-file-size-bytes", out var s) && long.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var size))
            o = o with { TargetFileSizeBytes = size };
        if (props.TryGetValue("write.parquet.row-group-rows", out var r) && int.TryParse(r, System.Globalization.CultureInfo.InvariantCulture, out var rows))
            o = o with { RowGroupRows = rows };
        if (props.TryGetValue("write.parquet.compression-codec", out var c))
            o = o with
            {
                Compression = c.ToLowerInvariant() switch
                {
                    "snappy" => Compression.Snappy,
                    "gzip" => Compression.Gzip,
                    "uncompressed" or "none" => Compression.Uncompressed,
                    "lz4" => Compression.Lz4,
                    "brotli" => Compression.Brotli,
                    _ => Compression.Zstd,
                },
            };
        return o;
    }

    /// <summary>The codec's own level for <see cref="CompressionLevel"/>; null for codecs without levels (parquet-cpp refuses one).</summary>
    internal int? CodecLevel() => (Compression, CompressionLevel) switch
    {
        (Compression.Zstd, CompressionLevel.Fastest) => 1,
        (Compression.Zstd, CompressionLevel.SmallestSize) => 19,
        (Compression.Zstd, _) => 3,
        (Compression.Gzip, CompressionLevel.Fastest) => 1,
        (Compression.Gzip, CompressionLevel.SmallestSize) => 9,
        (Compression.Gzip, _) => 6,
        (Compression.Brotli, CompressionLevel.Fastest) => 1,
        (Compression.Brotli, CompressionLevel.SmallestSize) => 11,
        (Compression.Brotli, _) => 5,
        _ => null,
    };
}
