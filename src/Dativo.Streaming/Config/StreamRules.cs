using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Core.Config;
using Dativo.Core.Contracts;

namespace Dativo.Streaming.Config;

/// <summary>
/// The rules Firehose enforces on a delivery stream (and that the seed module got wrong), checked on one stream.
/// Errors for what the service cannot run; warnings for limits only the managed AWS service imposes.
/// </summary>
internal static partial class StreamRules
{
    private const int ManagedMinimumBufferMiB = 64;

    public static LoadedStream? Check(StreamDefinition s, int index, StreamAuth? fileAuth, bool fileAuthGiven, bool loopback, string bind, StreamConfigContext ctx)
    {
        var p = $"streams[{index}]";
        var dp = s.DynamicPartitioningConfig;
        var dpPath = $"{p}.dynamic_partitioning_config";
        var enabled = s.EnableDynamicPartitioning;
        var transformation = Transformation(s.DataTransformation, $"{p}.data_transformation", ctx);
        var bufferMiB = s.BufferingSize ?? StreamSchema.DefaultBufferingSizeMiB;

        var prefix = ParsePrefix(dp?.S3DynamicPrefix, $"{dpPath}.s3_dynamic_prefix", ctx);
        var errorPrefix = ParsePrefix(dp?.S3ErrorPrefix, $"{dpPath}.s3_error_prefix", ctx);
        var query = string.IsNullOrWhiteSpace(dp?.JqMetadataQuery) ? null : dp.JqMetadataQuery;
        IReadOnlyList<string> queryKeys = [];
        if (query is not null)
        {
            var (keys, error) = JqQueryKeys.Extract(query);
            if (error is not null) ctx.Error($"{dpPath}.jq_metadata_query", $"{error}; Firehose needs a JSON object of partition keys");
            queryKeys = keys ?? [];
            if (!enabled)
                ctx.Error($"{dpPath}.jq_metadata_query", "a jq query runs only with dynamic partitioning: set enable_dynamic_partitioning: true, or remove the query");
        }
        PrefixRules(prefix, errorPrefix, enabled, query, queryKeys, transformation, p, ctx);

        if (enabled && bufferMiB < ManagedMinimumBufferMiB)
            ctx.Warning(ctx.IsWritten($"{p}.buffering_size") ? $"{p}.buffering_size" : $"{p}.enable_dynamic_partitioning",
                $"with dynamic partitioning the managed Firehose needs buffering_size >= {ManagedMinimumBufferMiB} MiB (here {bufferMiB}); the service accepts it, the Terraform module does not");

        var compression = s.CompressionFormat switch
        {
            "ZSTD" => CompressionFormat.Zstd,
            "UNCOMPRESSED" => CompressionFormat.Uncompressed,
            _ => CompressionFormat.Gzip,
        };
        var conversion = Conversion(s.RecordFormatConversion, $"{p}.record_format_conversion", ctx);
        if (conversion is not null)
        {
            if (s.CompressionFormat is not null and not "UNCOMPRESSED")
                ctx.Error($"{p}.compression_format", $"compression_format {s.CompressionFormat} cannot apply to Parquet files: with record_format_conversion set " +
                    "record_format_conversion.compression instead and remove compression_format (or write UNCOMPRESSED)");
            compression = CompressionFormat.Uncompressed;
            if (bufferMiB < ManagedMinimumBufferMiB)
                ctx.Warning($"{p}.record_format_conversion", $"with record format conversion the managed Firehose needs buffering_size >= {ManagedMinimumBufferMiB} MiB (here {bufferMiB}); the service accepts it");
        }

        var destination = Destination(s.Destination, s.RecordFormatConversion is not null, $"{p}.destination", ctx);
        var deaggregation = Deaggregation(dp, dpPath, ctx);
        var auth = s.Auth is not null ? Auth(s.Auth, $"{p}.auth", loopback, bind, ctx) : fileAuth;
        if (auth is null && s.Auth is null && !fileAuthGiven)
        {
            if (loopback) auth = new NoAuth();
            else ctx.Error(p, $"the service binds {bind}, which other machines reach: give the stream (or the file) auth: {{sigv4: {{access_key_id: ..., secret_access_key: ${{ENV_VAR}}}}}}");
        }

        var alarms = Alarms(s.Alarms, $"{p}.alarms", ctx);
        var source = Source(s.Source, $"{p}.source", ctx);
        TerraformRules(s.Terraform, $"{p}.terraform", ctx);

        if (string.IsNullOrEmpty(s.Name) || destination is null || auth is null || alarms is null || source is null) return null;
        return new LoadedStream
        {
            Name = s.Name,
            Definition = s,
            Index = index,
            BufferingSizeBytes = bufferMiB * 1024L * 1024,
            BufferingInterval = TimeSpan.FromSeconds(s.BufferingInterval ?? StreamSchema.DefaultBufferingIntervalSeconds),
            Compression = compression,
            DynamicPartitioning = enabled,
            Prefix = prefix,
            ErrorPrefix = errorPrefix,
            JqQuery = query,
            QueryKeys = queryKeys,
            NewlineAppending = dp?.EnableNewlineAppending ?? false,
            Deaggregation = deaggregation,
            Transformation = transformation,
            FormatConversion = conversion,
            Destination = destination,
            MaxActivePartitions = s.MaxActivePartitions ?? StreamSchema.DefaultMaxActivePartitions,
            Alarms = alarms,
            Source = source,
            Auth = auth,
        };
    }

    private static S3Prefix? ParsePrefix(string? text, string path, StreamConfigContext ctx)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var (prefix, error) = S3Prefix.Parse(text);
        if (error is not null) ctx.Error(path, error);
        return prefix;
    }

    private static void PrefixRules(S3Prefix? prefix, S3Prefix? errorPrefix, bool enabled, string? query, IReadOnlyList<string> queryKeys,
        TransformationSettings? transformation, string p, StreamConfigContext ctx)
    {
        var dpPath = $"{p}.dynamic_partitioning_config";
        var prefixPath = $"{dpPath}.s3_dynamic_prefix";
        var errorPath = $"{dpPath}.s3_error_prefix";

        if (prefix is not null)
        {
            if (prefix.Parts.Any(x => x is ErrorOutputTypePart))
                ctx.Error(prefixPath, "!{firehose:error-output-type} is allowed only in s3_error_prefix");
            var keys = prefix.PartitionKeys.ToList();
            if (keys.Count > 0 && !enabled)
                ctx.Error(prefixPath, $"!{{partitionKeyFrom{keys[0].Source}:{keys[0].Key}}}: partition key namespaces can only be part of a prefix when dynamic partitioning is enabled; " +
                    "set enable_dynamic_partitioning: true, or remove the expression");
            if (enabled)
            {
                foreach (var key in keys.Where(k => k.Source == PartitionKeySource.Query).Select(k => k.Key).Distinct())
                {
                    if (query is null)
                        ctx.Error(prefixPath, $"!{{partitionKeyFromQuery:{key}}} needs jq_metadata_query to define '{key}', e.g. jq_metadata_query: \"{{{key}: .{key}}}\"");
                    else if (queryKeys.Count > 0 && !queryKeys.Contains(key))
                        ctx.Error(prefixPath, $"!{{partitionKeyFromQuery:{key}}}: the jq query defines no key '{key}'{Dativo.Core.Text.NearMiss.Hint(key, queryKeys)} (it defines {string.Join(", ", queryKeys)})");
                }
                if (keys.Any(k => k.Source == PartitionKeySource.Lambda) && transformation is null)
                    ctx.Error(prefixPath, "!{partitionKeyFromLambda:...} takes keys from the transformation's metadata.partitionKeys: add data_transformation, or use partitionKeyFromQuery");
                if (keys.Count == 0)
                    ctx.Error(prefixPath, "with dynamic partitioning the prefix must use at least one partition key, e.g. data/customer_id=!{partitionKeyFromQuery:customer_id}/");
            }
            var literal = prefix.Parts.OfType<LiteralPart>().Sum(x => x.Text.Length);
            if (literal > S3Prefix.MaxEvaluatedLength)
                ctx.Error(prefixPath, $"the prefix's literal text alone is {literal} characters; an evaluated prefix is at most {S3Prefix.MaxEvaluatedLength}");
        }
        else if (enabled)
            ctx.Error(ctx.IsWritten(dpPath) ? dpPath : $"{p}.enable_dynamic_partitioning",
                "dynamic partitioning needs s3_dynamic_prefix (with !{partitionKeyFromQuery:KEY} expressions), s3_error_prefix and jq_metadata_query under dynamic_partitioning_config");

        if (errorPrefix is not null)
        {
            if (!errorPrefix.Parts.Any(x => x is ErrorOutputTypePart))
                ctx.Error(errorPath, "the error prefix must contain !{firehose:error-output-type}, e.g. errors/!{firehose:error-output-type}/");
            if (errorPrefix.PartitionKeys.Any())
                ctx.Error(errorPath, "failed records have no partition keys: remove partitionKeyFrom* expressions from the error prefix");
            var literal = errorPrefix.Parts.OfType<LiteralPart>().Sum(x => x.Text.Length);
            if (literal > S3Prefix.MaxEvaluatedLength)
                ctx.Error(errorPath, $"the error prefix's literal text alone is {literal} characters; an evaluated prefix is at most {S3Prefix.MaxEvaluatedLength}");
        }
        else if (prefix is not null && (prefix.HasExpressions || enabled))
            ctx.Error(ctx.IsWritten(errorPath) ? errorPath : prefixPath,
                "s3_error_prefix is required when the prefix has expressions (Firehose refuses a null error prefix then): add s3_error_prefix: errors/!{firehose:error-output-type}/");
    }

    private static Deaggregation? Deaggregation(DynamicPartitioningDefinition? dp, string dpPath, StreamConfigContext ctx)
    {
        if (dp is null) return null;
        var path = $"{dpPath}.record_deaggregation_config";
        var config = dp.RecordDeaggregationConfig;
        if (!dp.EnableRecordDeaggregation)
        {
            if (config is not null) ctx.Warning(path, "has no effect: enable_record_deaggregation is false");
            return null;
        }
        if (config?.Type != "DELIMITED")
        {
            if (!string.IsNullOrEmpty(config?.Delimiter)) ctx.Warning($"{path}.delimiter", "is used only with type: DELIMITED");
            return new Deaggregation(DeaggregationType.Json, null);
        }
        if (string.IsNullOrEmpty(config.Delimiter))
        {
            ctx.Error(ctx.IsWritten($"{path}.delimiter") ? $"{path}.delimiter" : $"{path}.type",
                "type DELIMITED needs a delimiter: the base64 of its bytes, as Firehose's Delimiter parameter (e.g. delimiter: IyMjIw== for ####)");
            return null;
        }
        var bytes = new byte[config.Delimiter.Length];
        if (!Convert.TryFromBase64String(config.Delimiter, bytes, out var written) || written == 0)
        {
            ctx.Error($"{path}.delimiter", $"'{config.Delimiter}' is not base64; the delimiter is written as Firehose's Delimiter parameter, base64 of its bytes (#### is IyMjIw==)");
            return null;
        }
        return new Deaggregation(DeaggregationType.Delimited, bytes[..written]);
    }

    private static TransformationSettings? Transformation(TransformationDefinition? t, string path, StreamConfigContext ctx)
    {
        if (t is null) return null;
        if (t.Http is null && t.Command is null && string.IsNullOrEmpty(t.LambdaArn))
        {
            ctx.Error(path, "names no transformation: give http: {url: ...} or command: [program, args...] (and lambda_arn for the Terraform module)");
            return null;
        }
        if (t.Http is not null && t.Command is not null)
            ctx.Error($"{path}.command", "give either http or command, not both");
        Uri? url = null;
        if (t.Http is not null && !string.IsNullOrEmpty(t.Http.Url)
            && (!Uri.TryCreate(t.Http.Url, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
        {
            ctx.Error($"{path}.http.url", $"'{t.Http.Url}' is not an http:// or https:// URL");
            url = null;
        }
        if (t.Command is { } command && (command.Count == 0 || string.IsNullOrWhiteSpace(command[0])))
            ctx.Error($"{path}.command", "names no program: command: [program, arg1, ...] (started without a shell)");
        if (!string.IsNullOrEmpty(t.LambdaArn) && !LambdaArn().IsMatch(t.LambdaArn))
            ctx.Error($"{path}.lambda_arn", $"'{t.LambdaArn}' is not a Lambda function ARN: arn:aws:lambda:REGION:ACCOUNT:function:NAME:VERSION");
        if (t.BufferingSize is { } size && size is < 0.2 or > 3)
            ctx.Error($"{path}.buffering_size", $"must be between 0.2 and 3 MiB (Firehose's limits for a transformation), got {size}");
        if (t.Http is null && t.Command is null)
            ctx.Warning($"{path}.lambda_arn", "only the Terraform module uses lambda_arn: dativo stream serve cannot call a Lambda, add http or command to transform there");
        return new TransformationSettings
        {
            HttpUrl = url,
            HttpHeaders = t.Http?.Headers ?? [],
            Timeout = TimeSpan.FromSeconds(t.Http?.TimeoutS ?? 60),
            Command = t.Command is { Count: > 0 } c ? c : null,
            LambdaArn = string.IsNullOrEmpty(t.LambdaArn) ? null : t.LambdaArn,
            BufferingSizeBytes = (long)((t.BufferingSize ?? 1) * 1024 * 1024),
            BufferingInterval = TimeSpan.FromSeconds(t.BufferingInterval ?? 60),
            Retries = t.Retries ?? 3,
        };
    }

    private static FormatConversion? Conversion(FormatConversionDefinition? c, string path, StreamConfigContext ctx)
    {
        if (c is null || string.IsNullOrEmpty(c.Contract)) return null;
        var full = ctx.Resolve(c.Contract);
        if (!File.Exists(full))
        {
            ctx.Error($"{path}.contract", $"contract file not found: {full}; paths are relative to the stream file's folder");
            return null;
        }
        try
        {
            var contract = ContractLoader.Load(full, ctx.Env, Path.GetRelativePath(Directory.GetCurrentDirectory(), full));
            return new FormatConversion(full, contract, c.Compression ?? "SNAPPY");
        }
        catch (ConfigException e)
        {
            ctx.Issues.AddRange(e.Issues);
        }
        catch (Dativo.Core.Errors.DativoException e)
        {
            ctx.Error($"{path}.contract", e.Message);
        }
        return null;
    }

    private static StreamDestination? Destination(DestinationDefinition? d, bool converted, string path, StreamConfigContext ctx)
    {
        if (d is null) return null;
        var given = new[] { d.Local is null ? null : "local", d.S3 is null ? null : "s3", d.Iceberg is null ? null : "iceberg" }.OfType<string>().ToList();
        if (given.Count != 1)
        {
            ctx.Error(path, given.Count == 0
                ? "names no destination: give one of local: {path: ...}, s3: {bucket: ...}, iceberg: {warehouse: ..., table: ...}"
                : $"names {string.Join(" and ", given)}: a stream delivers to exactly one destination");
            return null;
        }
        if (d.Local is { } local) return string.IsNullOrEmpty(local.Path) ? null : new LocalDestination(ctx.Resolve(local.Path));
        if (d.S3 is { } s3)
        {
            var secret = s3.SecretAccessKey is null ? null : Secret(s3.SecretAccessKey, $"{path}.s3.secret_access_key", ctx);
            if ((s3.AccessKeyId is null) != (s3.SecretAccessKey is null))
                ctx.Error($"{path}.s3", "give both access_key_id and secret_access_key, or neither (the standard AWS chain then applies)");
            if (s3.Endpoint is not null && (!Uri.TryCreate(s3.Endpoint, UriKind.Absolute, out var e) || e.Scheme is not ("http" or "https")))
                ctx.Error($"{path}.s3.endpoint", $"'{s3.Endpoint}' is not an http:// or https:// URL");
            return new S3Destination(s3.Bucket, s3.Prefix ?? "", s3.Endpoint, s3.Region, s3.PathStyleAccess ?? false, s3.AccessKeyId, secret);
        }
        var ice = d.Iceberg!;
        if (!converted)
            ctx.Error($"{path}.iceberg", "an Iceberg table is written by a data contract: add record_format_conversion: {contract: path/to/contract.yaml}");
        return new IcebergDestination(ice.Warehouse.Contains("://", StringComparison.Ordinal) ? ice.Warehouse : ctx.Resolve(ice.Warehouse),
            ice.Catalog ?? "sqlite", ice.Namespace, ice.Table);
    }

    private static AlarmSettings? Alarms(AlarmsDefinition? a, string path, StreamConfigContext ctx)
    {
        if (a is null) return AlarmSettings.Default;
        var d = AlarmSettings.Default;
        var high = a.HighThreshold ?? d.HighThreshold;
        var low = a.LowThreshold ?? d.LowThreshold;
        if (high <= low)
            ctx.Error(ctx.IsWritten($"{path}.high_threshold") ? $"{path}.high_threshold" : $"{path}.low_threshold",
                $"high_threshold ({high}) must be above low_threshold ({low}), or traffic is always in alarm");
        if (a.PeriodS is { } period && period is not (10 or 30) && period % 60 != 0)
            ctx.Error($"{path}.period_s", $"{period} s is not a CloudWatch period: use 10, 30 or a multiple of 60");
        var webhooks = new List<Uri>();
        var emails = new List<string>();
        var subscriptions = a.Subscriptions ?? [];
        for (var i = 0; i < subscriptions.Count; i++)
        {
            var sub = subscriptions[i];
            if (Uri.TryCreate(sub, UriKind.Absolute, out var url) && url.Scheme is "http" or "https") webhooks.Add(url);
            else if (Email().IsMatch(sub)) emails.Add(sub);
            else ctx.Error($"{path}.subscriptions[{i}]", $"'{sub}' is neither an http(s) webhook URL nor an e-mail address");
        }
        return new AlarmSettings(high, low, TimeSpan.FromSeconds(a.PeriodS ?? (int)d.Period.TotalSeconds), webhooks, emails);
    }

    private static StreamSource? Source(JsonNode? node, string path, StreamConfigContext ctx)
    {
        switch (node)
        {
            case null:
                return new DirectPutSource();
            case JsonValue v when v.TryGetValue<string>(out var text):
                return text == "direct_put" ? new DirectPutSource() : null; // the schema reported anything else
            case JsonObject o when o["kinesis"] is JsonObject k:
                return Kinesis(k, $"{path}.kinesis", ctx);
            default:
                return null;
        }
    }

    public static StreamAuth? Auth(JsonNode node, string path, bool loopback, string bind, StreamConfigContext ctx)
    {
        switch (node)
        {
            case JsonValue v when v.TryGetValue<string>(out var text) && text == "none":
                if (loopback) return new NoAuth();
                ctx.Error(path, $"auth: none is accepted only when the service binds a loopback address (127.0.0.1, ::1, localhost), but bind is {bind}: " +
                    "use auth: {sigv4: {access_key_id: ..., secret_access_key: ${ENV_VAR}}}, or bind: 127.0.0.1");
                return null;
            case JsonObject o when o["sigv4"] is JsonObject sig:
                var id = sig["access_key_id"]?.GetValue<string>();
                var raw = sig["secret_access_key"]?.GetValue<string>();
                if (string.IsNullOrEmpty(id) || raw is null) return null;
                var secret = Secret(raw, $"{path}.sigv4.secret_access_key", ctx);
                return secret is null ? null : new SigV4Auth(id, secret);
            default:
                return null;
        }
    }

    /// <summary>
    /// A secret value: <c>file:PATH</c> is read from that file (relative to the stream file), anything else was already
    /// expanded from <c>${ENV_VAR}</c>. Messages name the key and the file, never the value.
    /// </summary>
    private static StreamSecret? Secret(string value, string path, StreamConfigContext ctx)
    {
        var raw = ctx.RawScalar(path) ?? "";
        if (value.StartsWith("file:", StringComparison.Ordinal))
        {
            var file = ctx.Resolve(value[5..]);
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                ctx.Error(path, $"secret file not found: {file}");
                return null;
            }
            if (info.Length > 64 * 1024)
            {
                ctx.Error(path, $"secret file {file} is larger than 64 KiB; it should hold only the secret");
                return null;
            }
            value = File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        else if (!raw.Contains("${", StringComparison.Ordinal))
            ctx.Warning(path, "the secret is written in the file: reference it instead with ${ENV_VAR} or file:PATH");
        if (value.Length == 0)
        {
            ctx.Error(path, "the secret is empty");
            return null;
        }
        return new StreamSecret(value);
    }

    private static void TerraformRules(TerraformDefinition? t, string path, StreamConfigContext ctx)
    {
        if (t is null) return;
        if ((t.UseKmsForKinesis || t.UseKmsForS3) && string.IsNullOrEmpty(t.KmsKeyId))
            ctx.Error(ctx.IsWritten($"{path}.kms_key_id") ? $"{path}.kms_key_id" : $"{path}.{(t.UseKmsForKinesis ? "use_kms_for_kinesis" : "use_kms_for_s3")}",
                $"{(t.UseKmsForKinesis ? "use_kms_for_kinesis" : "use_kms_for_s3")} is true: give kms_key_id (key id, ARN or alias/NAME)");
        if (t.ShardCount is not null && t.StreamMode != "PROVISIONED")
            ctx.Warning($"{path}.shard_count", "is ignored unless stream_mode is PROVISIONED (ON_DEMAND scales by itself)");
    }

    [GeneratedRegex(@"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$")]
    private static partial Regex LambdaArn();

    [GeneratedRegex(@"^[^@\s/:]+@[^@\s/:]+\.[^@\s/:]+$")]
    private static partial Regex Email();
}
