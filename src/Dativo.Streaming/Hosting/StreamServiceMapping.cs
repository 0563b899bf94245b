using Dativo.Core.Errors;
using CatalogNames = Dativo.Core.Config.CatalogNames;
using Dativo.Lake.Storage;
using Dativo.Streaming.Config;
using Dativo.Streaming.Runtime;
using Dativo.Streaming.Sources.Kinesis;
using ConfigCompression = Dativo.Streaming.Config.CompressionFormat;
using ConfigDeaggregation = Dativo.Streaming.Config.DeaggregationType;
using RuntimeAlarms = Dativo.Streaming.Runtime.AlarmSettings;
using RuntimeCompression = Dativo.Streaming.Runtime.CompressionFormat;
using RuntimeDeaggregation = Dativo.Streaming.Runtime.DeaggregationType;
using RuntimeTransformation = Dativo.Streaming.Runtime.TransformationSettings;

namespace Dativo.Streaming.Hosting;

/// <summary>The one place where the validated configuration (<see cref="LoadedStreams"/>) becomes the runtime's settings.</summary>
internal static class StreamServiceMapping
{
    public static ServiceSettings ToServiceSettings(LoadedStreams loaded, int? portOverride = null)
    {
        var streams = loaded.Streams.Select(s => ToStreamSettings(loaded, s)).ToList();
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in loaded.Streams)
            if (s.Auth is SigV4Auth a) keys[a.AccessKeyId] = a.SecretAccessKey.Reveal();
        return new ServiceSettings
        {
            Streams = streams,
            DataDirectory = loaded.DataDir,
            Port = portOverride ?? loaded.Port,
            BindAddress = loaded.Bind,
            WalDiskBudgetBytes = loaded.WalBudgetBytes,
            StateUri = loaded.StateUri,
            // one listener for every stream: with any SigV4 stream every request must be signed; each stream then
            // accepts only its own key (a stream with auth none accepts any configured key)
            Auth = keys.Count == 0 ? AuthSettings.None : new AuthSettings { SigV4Keys = keys },
        };
    }

    private static StreamSettings ToStreamSettings(LoadedStreams loaded, LoadedStream s)
    {
        var where = $"{loaded.File}: streams[{s.Index}] ({s.Name})";
        if (s.Transformation is { Runnable: false })
            throw new DativoException($"{where}: data_transformation names only a Lambda ARN, which runs on AWS only; give http.url or command to run it here");
        var (destination, options) = s.Destination switch
        {
            LocalDestination l => (l.Path, (ObjectStoreOptions?)null),
            S3Destination b => ($"s3://{b.Bucket}/{b.Prefix.Trim('/')}", new ObjectStoreOptions
            {
                Endpoint = b.Endpoint,
                Region = b.Region,
                ForcePathStyle = b.PathStyleAccess ? true : null,
                AccessKeyId = b.AccessKeyId,
                SecretAccessKey = b.SecretAccessKey?.Reveal(),
            }),
            IcebergDestination i => (ErrorRoot(i.Warehouse, s.Name), null),
            _ => throw new DativoException($"{where}: unknown destination"),
        };
        return new StreamSettings
        {
            Name = s.Name,
            BufferingSizeMiB = (int)Math.Max(1, s.BufferingSizeBytes / (1024 * 1024)),
            BufferingIntervalSeconds = (int)s.BufferingInterval.TotalSeconds,
            Compression = s.Compression switch
            {
                ConfigCompression.Gzip => RuntimeCompression.Gzip,
                ConfigCompression.Zstd => RuntimeCompression.Zstd,
                _ => RuntimeCompression.Uncompressed,
            },
            EnableDynamicPartitioning = s.DynamicPartitioning,
            JqMetadataQuery = s.JqQuery,
            Prefix = s.Prefix?.Text,
            ErrorPrefix = s.ErrorPrefix?.Text,
            EnableNewlineAppending = s.NewlineAppending,
            Deaggregation = s.Deaggregation is { } d
                ? new DeaggregationSettings(d.Type == ConfigDeaggregation.Json ? RuntimeDeaggregation.Json : RuntimeDeaggregation.Delimited, d.Delimiter)
                : null,
            Transformation = s.Transformation is { } t
                ? new RuntimeTransformation { Endpoint = t.HttpUrl, Command = t.Command, Headers = t.HttpHeaders, Timeout = t.Timeout, Attempts = t.Retries + 1 }
                : null,
            MaxActivePartitions = s.MaxActivePartitions,
            Destination = destination,
            DestinationOptions = options,
            FormatConversion = s.FormatConversion is { } f ? new FormatConversionSettings(f.Contract, f.ParquetCompression) : null,
            Iceberg = s.Destination is IcebergDestination ice ? Iceberg(ice, s, where) : null,
            Alarms = new RuntimeAlarms(s.Alarms.HighThreshold, s.Alarms.LowThreshold, (int)s.Alarms.Period.TotalSeconds, [.. s.Alarms.Webhooks.Select(u => u.ToString())]),
            KinesisSource = s.Source is KinesisSource k ? ToKinesisSettings(k) : null,
            AllowedAccessKeys = s.Auth is SigV4Auth a ? new HashSet<string>(StringComparer.Ordinal) { a.AccessKeyId } : null,
        };
    }

    /// <summary>Records that fail go, as JSON lines under the error prefix, beside the tables: <c>&lt;warehouse&gt;/_errors/&lt;stream&gt;/</c>.</summary>
    public static string ErrorRoot(string warehouse, string stream) =>
        warehouse.Contains("://", StringComparison.Ordinal) ? $"{warehouse.TrimEnd('/')}/_errors/{stream}" : Path.Combine(warehouse, "_errors", stream);

    private static IcebergDestinationSettings Iceberg(IcebergDestination i, LoadedStream s, string where)
    {
        var contract = s.FormatConversion?.Contract
            ?? throw new DativoException($"{where}: an Iceberg table is written by a data contract: add record_format_conversion: {{contract: path/to/contract.yaml}}");
        string? catalog = i.Catalog switch
        {
            "sqlite" => null,
            var uri when uri.Contains("://", StringComparison.Ordinal) => uri,
            var other => throw new DativoException($"{where}: destination.iceberg.catalog '{other}' is not served: use sqlite (the catalog.db in the warehouse folder) or a postgresql:// URI"),
        };
        if (catalog is null && i.Warehouse.Contains("://", StringComparison.Ordinal))
            throw new DativoException($"{where}: destination.iceberg.warehouse {i.Warehouse} is not a local folder, so the SQLite catalog cannot live in it: give destination.iceberg.catalog a postgresql:// URI");
        var ns = i.Namespace ?? (contract.Domain is { } domain ? CatalogNames.Normalize(domain) : "default");
        if (!CatalogNames.IsValid(ns))
            throw new DativoException($"{where}: the table namespace '{ns}' ({(i.Namespace is null ? "the contract's domain" : "destination.iceberg.namespace")}) must be {CatalogNames.Rule}; set destination.iceberg.namespace");
        if (!CatalogNames.IsValid(i.Table))
            throw new DativoException($"{where}: destination.iceberg.table '{i.Table}' must be {CatalogNames.Rule}");
        return new IcebergDestinationSettings(i.Warehouse, catalog, ns, i.Table);
    }

    private static KinesisSourceSettings ToKinesisSettings(KinesisSource k) => new()
    {
        StreamName = k.StreamName,
        StreamArn = k.StreamArn,
        Endpoint = k.Endpoint,
        Region = k.Region,
        StartingPosition = k.StartingPosition switch
        {
            "LATEST" => KinesisStartingPosition.Latest,
            "AT_TIMESTAMP" => KinesisStartingPosition.AtTimestamp,
            _ => KinesisStartingPosition.TrimHorizon,
        },
        StartingTimestamp = k.StartingTimestamp,
        AccessKeyId = k.AccessKeyId,
        SecretAccessKey = k.SecretAccessKey?.Reveal(),
    };
}
