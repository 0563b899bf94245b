using Dativo.Core.Errors;
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
        if (s.FormatConversion is not null)
            throw new DativoException($"{where}: record_format_conversion is not served yet; remove it to deliver raw records (see docs/streaming.md)");
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
            _ => throw new DativoException($"{where}: an Iceberg destination is not served yet; use destination local or s3 (see docs/streaming.md)"),
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
            Alarms = new RuntimeAlarms(s.Alarms.HighThreshold, s.Alarms.LowThreshold, (int)s.Alarms.Period.TotalSeconds, [.. s.Alarms.Webhooks.Select(u => u.ToString())]),
            KinesisSource = s.Source is KinesisSource k ? ToKinesisSettings(k) : null,
            AllowedAccessKeys = s.Auth is SigV4Auth a ? new HashSet<string>(StringComparer.Ordinal) { a.AccessKeyId } : null,
        };
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
