using System.Text.RegularExpressions;
using Dativo.Core.Errors;

namespace Dativo.Lake.State.Dynamo;

/// <summary>
/// A state store on DynamoDB: <c>dynamodb://TABLE?region=REGION&amp;endpoint=URL</c>. Region falls back to
/// AWS_REGION / AWS_DEFAULT_REGION; the endpoint (an emulator, a VPC endpoint) to AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL.
/// </summary>
internal sealed partial record DynamoLocation(string Table, string? Region, string? Endpoint)
{
    public const string Scheme = "dynamodb://";

    public static bool Designates(string? uri) => uri is not null && uri.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    public static DynamoLocation Parse(string uri, Func<string, string?> env)
    {
        var rest = uri[Scheme.Length..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        var table = q < 0 ? rest : rest[..q];
        table = table.TrimEnd('/');
        if (!TableName().IsMatch(table))
            throw new DativoException($"state store '{Redact(uri)}': '{table}' is not a DynamoDB table name (3-255 letters, digits, _ - .); write dynamodb://TABLE?region=REGION");
        string? region = null, endpoint = null;
        foreach (var pair in (q < 0 ? "" : rest[(q + 1)..]).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (name)
            {
                case "region": region = value; break;
                case "endpoint": endpoint = value; break;
                default:
                    throw new DativoException($"state store '{Redact(uri)}': unknown setting '{name}'; dynamodb:// takes region= and endpoint= (credentials come from the AWS environment, never the URI)");
            }
        }
        region = First(region, env("AWS_REGION"), env("AWS_DEFAULT_REGION"));
        endpoint = First(endpoint, env("AWS_ENDPOINT_URL_DYNAMODB"), env("AWS_ENDPOINT_URL"));
        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")))
            throw new DativoException($"state store '{Redact(uri)}': endpoint '{endpoint}' is not an http(s) URL");
        if (region is null && endpoint is null)
            throw new DativoException($"state store '{Redact(uri)}': no AWS region; add ?region=eu-west-1 or set AWS_REGION");
        return new DynamoLocation(table, region, endpoint);
    }

    public override string ToString() => $"dynamodb://{Table}" + (Endpoint is null ? "" : $" at {Endpoint}");

    private static string Redact(string uri) => uri.Length > 200 ? uri[..200] + "…" : uri;

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,255}$")]
    private static partial Regex TableName();
}
