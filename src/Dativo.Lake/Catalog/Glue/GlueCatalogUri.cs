using Dativo.Aws;
using Dativo.Core.Errors;

namespace Dativo.Lake.Catalog.Glue;

/// <summary>
/// <c>glue://</c> (the account's own Data Catalog) or <c>glue://&lt;12-digit account id&gt;</c>, with an optional
/// <c>?region=eu-west-1</c> (else AWS_REGION). Credentials come from the default AWS chain; the endpoint from
/// AWS_ENDPOINT_URL_GLUE when set (tests, VPC endpoints).
/// </summary>
internal static class GlueCatalogUri
{
    public const string Scheme = "glue://";

    public static bool Matches(string? uri) => uri is not null && uri.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    public static GlueCatalog Open(string name, string uri, Func<string, string?>? env = null)
    {
        var rest = uri[Scheme.Length..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        var account = (q < 0 ? rest : rest[..q]).TrimEnd('/');
        string? region = null;
        if (q >= 0)
            foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var (key, value) = eq < 0 ? (pair, "") : (pair[..eq], Uri.UnescapeDataString(pair[(eq + 1)..]));
                if (key == "region" && value.Length > 0) region = value;
                else throw new DativoException($"catalog uri '{uri}': unknown setting '{key}'; write glue://[account id][?region=REGION]");
            }
        if (account.Length > 0 && (account.Length != 12 || !account.All(char.IsAsciiDigit)))
            throw new DativoException($"catalog uri '{uri}': '{account}' is not a 12-digit AWS account id; write glue:// for the account's own catalog, or glue://123456789012");
        var client = new AwsJsonClient(AwsService.Glue, new AwsClientOptions { Region = region, Env = env ?? Environment.GetEnvironmentVariable });
        return new GlueCatalog(name, client, account.Length == 0 ? null : account);
    }
}
