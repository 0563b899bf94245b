using Dativo.Aws;
using Dativo.Testing;

namespace Dativo.Aws.Tests;

/// <summary>The signer against the AWS SigV4 test suite (tests/fixtures/aws-sigv4-testsuite).</summary>
public sealed class SigV4Tests
{
    private static readonly SigV4Signer.Credentials Creds = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        var root = Repo.Fixture("aws-sigv4-testsuite");
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (File.Exists(Path.Combine(dir, name + ".req")) && File.Exists(Path.Combine(dir, name + ".authz"))) data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Matches_the_test_suite(string name)
    {
        var dir = Repo.Fixture("aws-sigv4-testsuite", name);
        var req = File.ReadAllText(Path.Combine(dir, name + ".req")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = req.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? req : req[..split];
        var body = split < 0 ? "" : req[(split + 2)..];
        var lines = head.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var q = target.IndexOf('?', StringComparison.Ordinal);
        var (path, query) = q < 0 ? (target, "") : (target[..q], target[(q + 1)..]);
        var headers = new List<(string Name, string Value)>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && headers.Count > 0)
            {
                headers[^1] = (headers[^1].Name, headers[^1].Value + "\n" + line);
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add((line[..colon], line[(colon + 1)..]));
        }
        var signed = SigV4Signer.Sign(method, path, query, headers, System.Text.Encoding.UTF8.GetBytes(body),
            name.Contains("session-token", StringComparison.Ordinal) ? Creds with { SessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" } : Creds, "us-east-1", "service",
            new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));
        Assert.Equal(File.ReadAllText(Path.Combine(dir, name + ".creq")).Replace("\r\n", "\n", StringComparison.Ordinal), signed.CanonicalRequest);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, name + ".sts")).Replace("\r\n", "\n", StringComparison.Ordinal), signed.StringToSign);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, name + ".authz")).Trim(), signed.Authorization);
    }

    [Fact]
    public void A_percent_encoded_path_is_encoded_again_as_every_service_but_s3_expects()
    {
        var signed = SigV4Signer.Sign("GET", "/applications/app%201/jobruns", "", [("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")], [],
            Creds, "us-east-1", "service", new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));
        Assert.StartsWith("GET\n/applications/app%25201/jobruns\n\n", signed.CanonicalRequest, StringComparison.Ordinal);
    }
}
