using System.Globalization;
using Dativo.Core.Errors;
using Dativo.Lake.Storage;
using Dativo.Streaming.Runtime;
using YamlDotNet.RepresentationModel;

namespace Dativo.Streaming.Hosting;

/// <summary>
/// Reads a stream config file into <see cref="ServiceSettings"/> (keys of issue #14). Interim: the configuration model
/// with its full validation lives in Dativo.Streaming.Config; when it lands this file becomes the one mapping from it.
/// Errors name file:line and the key.
/// </summary>
public static class StreamConfigFile
{
    public static ServiceSettings Load(string path, int? portOverride = null)
    {
        if (!File.Exists(path)) throw new DativoException($"stream config {path} does not exist");
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new DativoException($"{path}:{e.Start.Line}: {e.Message}");
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new DativoException($"{path}: expected a mapping with 'streams:' and 'port:'");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var r = new Reader(path, dir);
        var streams = r.Seq(root, "streams").Select(s => r.Stream(s)).ToList();
        if (streams.Count == 0) throw new DativoException($"{path}: 'streams' is empty: configure at least one stream");
        return new ServiceSettings
        {
            Streams = streams,
            Port = portOverride ?? r.Int(root, "port") ?? 4573,
            BindAddress = r.Str(root, "bind") ?? "127.0.0.1",
            DataDirectory = r.PathOf(r.Str(root, "data_dir") ?? ".dativo-stream"),
            Auth = r.Auth(root),
            WalDiskBudgetBytes = (r.Int(root, "wal_disk_budget_mib") ?? 1024) * 1024L * 1024L,
            Region = r.Str(root, "region") ?? "us-east-1",
        };
    }

    private sealed class Reader(string file, string dir)
    {
        public string PathOf(string p) => Path.GetFullPath(Path.Combine(dir, p));

        public DativoException Error(YamlNode node, string message) => new($"{file}:{node.Start.Line}: {message}");

        public YamlNode? Get(YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public string? Str(YamlMappingNode m, string key) => Get(m, key) switch
        {
            null => null,
            YamlScalarNode s => s.Value,
            var n => throw Error(n, $"'{key}' must be a text value"),
        };

        public int? Int(YamlMappingNode m, string key)
        {
            var n = Get(m, key);
            if (n is null) return null;
            return n is YamlScalarNode s && int.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Error(n, $"'{key}' must be a whole number");
        }

        public bool Bool(YamlMappingNode m, string key)
        {
            var n = Get(m, key);
            if (n is null) return false;
            return n is YamlScalarNode s && bool.TryParse(s.Value, out var v) ? v : throw Error(n, $"'{key}' must be true or false");
        }

        public YamlMappingNode? Map(YamlMappingNode m, string key) => Get(m, key) switch
        {
            null => null,
            YamlMappingNode map => map,
            var n => throw Error(n, $"'{key}' must be a mapping"),
        };

        public IEnumerable<YamlMappingNode> Seq(YamlMappingNode m, string key) => Get(m, key) switch
        {
            null => throw new DativoException($"{file}: '{key}' is missing"),
            YamlSequenceNode s => s.Children.Select(c => c as YamlMappingNode ?? throw Error(c, $"each entry of '{key}' must be a mapping")),
            var n => throw Error(n, $"'{key}' must be a list"),
        };

        public List<string> Strings(YamlMappingNode m, string key) => Get(m, key) switch
        {
            null => [],
            YamlSequenceNode s => [.. s.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw Error(c, $"'{key}' must list text values"))],
            var n => throw Error(n, $"'{key}' must be a list"),
        };

        public AuthSettings Auth(YamlMappingNode root)
        {
            var n = Get(root, "auth");
            if (n is null || n is YamlScalarNode { Value: "none" }) return AuthSettings.None;
            if (n is YamlMappingNode m && Map(m, "sigv4") is { } sig)
            {
                var id = Str(sig, "access_key_id") ?? throw Error(sig, "auth.sigv4.access_key_id is missing");
                var secret = Str(sig, "secret_access_key") ?? throw Error(sig, "auth.sigv4.secret_access_key is missing");
                return new AuthSettings { SigV4Keys = new Dictionary<string, string> { [id] = secret } };
            }
            throw Error(n, "auth must be 'none' or {sigv4: {access_key_id, secret_access_key}}");
        }

        public StreamSettings Stream(YamlMappingNode s)
        {
            var name = Str(s, "name") ?? throw Error(s, "a stream needs a 'name'");
            var size = Int(s, "buffering_size") ?? 5;
            if (size is < 1 or > 128) throw Error(Get(s, "buffering_size")!, "buffering_size is in MiB, 1–128");
            var interval = Int(s, "buffering_interval") ?? 300;
            if (interval is < 0 or > 900) throw Error(Get(s, "buffering_interval")!, "buffering_interval is in seconds, 0–900");
            var compression = (Str(s, "compression_format") ?? "GZIP").ToUpperInvariant() switch
            {
                "GZIP" => CompressionFormat.Gzip,
                "ZSTD" => CompressionFormat.Zstd,
                "UNCOMPRESSED" => CompressionFormat.Uncompressed,
                var other => throw Error(Get(s, "compression_format")!, $"compression_format '{other}': use GZIP, ZSTD or UNCOMPRESSED"),
            };
            var dp = Map(s, "dynamic_partitioning_config");
            DeaggregationSettings? deagg = null;
            if (dp is not null && Bool(dp, "enable_record_deaggregation"))
            {
                var cfg = Map(dp, "record_deaggregation_config");
                var type = (cfg is null ? null : Str(cfg, "type"))?.ToUpperInvariant() ?? "JSON";
                if (type == "DELIMITED")
                {
                    var b64 = (cfg is null ? null : Str(cfg, "delimiter")) ?? "";
                    if (b64.Length == 0) throw Error(cfg ?? dp, "record_deaggregation_config: DELIMITED needs a delimiter (base64, as Firehose: '####' is IyMjIw==)");
                    string delimiter;
                    try { delimiter = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64)); }
                    catch (FormatException) { throw Error(cfg!, $"record_deaggregation_config.delimiter '{b64}' is not base64 (Firehose takes it base64-encoded: '####' is IyMjIw==)"); }
                    deagg = new DeaggregationSettings(DeaggregationType.Delimited, delimiter);
                }
                else if (type == "JSON") deagg = new DeaggregationSettings(DeaggregationType.Json);
                else throw Error(cfg!, $"record_deaggregation_config.type '{type}': use JSON or DELIMITED");
            }
            TransformationSettings? transformation = null;
            if (Map(s, "data_transformation") is { } t)
            {
                var endpoint = Str(t, "endpoint");
                var command = Strings(t, "command");
                if ((endpoint is null) == (command.Count == 0)) throw Error(t, "data_transformation needs exactly one of 'endpoint' (URL) or 'command' (list: program and arguments)");
                transformation = new TransformationSettings
                {
                    Endpoint = endpoint is null ? null : new Uri(endpoint),
                    Command = command.Count == 0 ? null : command,
                };
            }
            var (destination, options) = Destination(s);
            AlarmSettings? alarms = null;
            if (Map(s, "alarms") is { } a)
                alarms = new AlarmSettings(Int(a, "high_threshold"), Int(a, "low_threshold"), Int(a, "period_s") ?? 300, Strings(a, "subscriptions"));
            return new StreamSettings
            {
                Name = name,
                BufferingSizeMiB = size,
                BufferingIntervalSeconds = interval,
                Compression = compression,
                EnableDynamicPartitioning = Bool(s, "enable_dynamic_partitioning"),
                JqMetadataQuery = dp is null ? null : Str(dp, "jq_metadata_query"),
                Prefix = dp is null ? null : Str(dp, "s3_dynamic_prefix"),
                ErrorPrefix = dp is null ? null : Str(dp, "s3_error_prefix"),
                EnableNewlineAppending = dp is not null && Bool(dp, "enable_newline_appending"),
                Deaggregation = deagg,
                Transformation = transformation,
                MaxActivePartitions = Int(s, "max_active_partitions") ?? 500,
                Destination = destination,
                DestinationOptions = options,
                Alarms = alarms,
            };
        }

        private (string, ObjectStoreOptions?) Destination(YamlMappingNode s)
        {
            var d = Map(s, "destination") ?? throw Error(s, "a stream needs a 'destination' (local: FOLDER or s3: {bucket, prefix})");
            if (Str(d, "local") is { } local) return (PathOf(local), null);
            if (Map(d, "s3") is { } s3)
            {
                var bucket = Str(s3, "bucket") ?? throw Error(s3, "destination.s3.bucket is missing");
                var prefix = (Str(s3, "prefix") ?? "").Trim('/');
                return ($"s3://{bucket}/{prefix}", new ObjectStoreOptions { Endpoint = Str(s3, "endpoint"), Region = Str(s3, "region") });
            }
            throw Error(d, "destination must be 'local: FOLDER' or 's3: {bucket, prefix}'");
        }
    }
}
