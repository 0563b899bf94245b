namespace Dativo.Aws;

public enum AwsProtocol
{
    /// <summary>POST / with <c>X-Amz-Target: prefix.Operation</c> and <c>application/x-amz-json-1.0|1.1</c>.</summary>
    Json,

    /// <summary>The operation's HTTP method and URI (labels and query members from the request), <c>application/json</c> bodies.</summary>
    RestJson,
}

/// <summary>
/// How to reach and sign for one AWS service; the values are the metadata of the service's botocore model.
/// <paramref name="ServiceId"/> names the endpoint variable the SDKs read: <c>AWS_ENDPOINT_URL_&lt;ID upper-cased, spaces → _&gt;</c>.
/// </summary>
public sealed record AwsService(string ServiceId, string SigningName, string EndpointPrefix, AwsProtocol Protocol, string? TargetPrefix = null, string JsonVersion = "1.1")
{
    public static readonly AwsService SecretsManager = new("Secrets Manager", "secretsmanager", "secretsmanager", AwsProtocol.Json, "secretsmanager");
    public static readonly AwsService EmrServerless = new("EMR Serverless", "emr-serverless", "emr-serverless", AwsProtocol.RestJson);
    public static readonly AwsService Emr = new("EMR", "elasticmapreduce", "elasticmapreduce", AwsProtocol.Json, "ElasticMapReduce");
    public static readonly AwsService Glue = new("Glue", "glue", "glue", AwsProtocol.Json, "AWSGlue");
    public static readonly AwsService Kinesis = new("Kinesis", "kinesis", "kinesis", AwsProtocol.Json, "Kinesis_20131202");
    public static readonly AwsService Firehose = new("Firehose", "firehose", "firehose", AwsProtocol.Json, "Firehose_20150804");
    public static readonly AwsService CloudWatch = new("CloudWatch", "monitoring", "monitoring", AwsProtocol.Json, "GraniteServiceVersion20100801", "1.0");

    /// <summary>e.g. <c>AWS_ENDPOINT_URL_SECRETS_MANAGER</c>.</summary>
    public string EndpointVariable => "AWS_ENDPOINT_URL_" + ServiceId.ToUpperInvariant().Replace(' ', '_');

    public string ContentType => Protocol == AwsProtocol.Json ? "application/x-amz-json-" + JsonVersion : "application/json";
}

/// <summary>
/// One operation. For <see cref="AwsProtocol.RestJson"/> it carries the model's http trait: method, URI template
/// (<c>{label}</c>, <c>{label+}</c> greedy) and which request members travel in the query string (member → query name).
/// </summary>
public sealed record AwsOperation(string Name, string Method = "POST", string Uri = "/", IReadOnlyDictionary<string, string>? Query = null)
{
    public static AwsOperation Rpc(string name) => new(name);
}
