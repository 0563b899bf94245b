using System.IO.Compression;
using Parquet;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Data file settings; defaults follow Iceberg's (<c>write.target-file-size-bytes</c> 128 MiB, zstd).</summary>
public sealed record WriteOptions
{
    public const long DefaultTargetFileSize = 128L * 1024 * 1024;

    /// <summary>A file is closed and a new one started once it reaches this size.</summary>
    public long TargetFileSizeBytes { get; init; } = DefaultTargetFileSize;

    /// <summary>Rows buffered per partition before a row group is written.</summary>
    public int RowGroupRows { get; init; } = 1_000_000;

    public CompressionMethod Compression { get; init; } = CompressionMethod.Zstd;

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
                    "snappy" => CompressionMethod.Snappy,
                    "gzip" => CompressionMethod.Gzip,
                    "uncompressed" or "none" => CompressionMethod.None,
                    "lz4" => CompressionMethod.Lz4Raw,
                    "brotli" => CompressionMethod.Brotli,
                    _ => CompressionMethod.Zstd,
                },
            };
        return o;
    }
}
