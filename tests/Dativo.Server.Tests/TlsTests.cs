using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dativo.Core.Errors;
using Dativo.Server.Config;
using Dativo.Testing;
using Microsoft.Extensions.Logging;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server.Tests;

/// <summary><c>tls.certificate</c>: the server speaks HTTPS with the configured PKCS#12 certificate; misconfigurations are refused clearly.</summary>
public sealed class TlsTests
{
    private const string PasswordVar = "DATIVO_TEST_TLS_PASSWORD";

    [Fact]
    public async Task Https_is_served_with_the_configured_certificate_and_an_https_url_without_one_is_refused()
    {
        using var dir = new TempDir("dativo-tls-");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(Path.Combine(dir.Path, "server.pfx"), cert.Export(X509ContentType.Pfx, "s3cret"));
        Func<string, string?> env = n => n == PasswordVar ? "s3cret" : Environment.GetEnvironmentVariable(n);

        dir.File("dativo.yaml", $"urls: https://127.0.0.1:0\nschedule: false\ntls:\n  certificate: server.pfx\n  password_env: {PasswordVar}\n");
        var config = ServerConfig.Load(null, dir.Path, env, new Dictionary<string, string?>());
        var web = DativoServer.Build(config, new AppContext(env, TimeProvider.System, dir.Path, _ => { }), l => l.SetMinimumLevel(LogLevel.Warning));
        await using (web)
        {
            await web.StartAsync();
            var url = DativoServer.Addresses(web).First();
            Assert.StartsWith("https://", url, StringComparison.Ordinal);
            string? presented = null;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, c, _, _) =>
                {
                    presented = c?.Thumbprint;
                    return true;
                },
            };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(url) };
            var health = await http.GetAsync("/healthz");
            Assert.True(health.IsSuccessStatusCode, $"/healthz over https: {(int)health.StatusCode}");
            Assert.Equal(cert.Thumbprint, presented);
            await web.StopAsync();
        }

        // a wrong password names the file and the setting, never the password
        Func<string, string?> wrong = n => n == PasswordVar ? "not-it" : null;
        var bad = ServerConfig.Load(null, dir.Path, wrong, new Dictionary<string, string?>());
        var e = Assert.Throws<DativoException>(() => DativoServer.Build(bad, new AppContext(wrong, TimeProvider.System, dir.Path, _ => { })));
        Assert.Contains("tls.password_env", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-it", e.Message, StringComparison.Ordinal);

        dir.File("dativo.yaml", "urls: https://127.0.0.1:0\nschedule: false\n");
        var missing = Assert.Throws<DativoException>(() => ServerConfig.Load(null, dir.Path, env, new Dictionary<string, string?>()));
        Assert.Contains("tls.certificate", missing.Message, StringComparison.Ordinal);
    }
}
