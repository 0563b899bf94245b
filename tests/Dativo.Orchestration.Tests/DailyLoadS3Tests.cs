using System.IO.Compression;
using System.Text;
using Dativo.Lake.Storage;
using Dativo.Orchestration.Runs;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests;

/// <summary>The daily load's file steps on S3 (s3rver on 127.0.0.1): the same code path as a local folder.</summary>
public sealed class DailyLoadS3Tests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>
{
    [SkippableFact]
    public async Task A_days_objects_are_listed_normalised_and_quarantined_on_s3()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var options = new ObjectStoreOptions { Endpoint = s3.Endpoint, AccessKeyId = s3.AccessKey, SecretAccessKey = s3.SecretKey, Region = "us-east-1" };
        var env = new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = s3.Endpoint, ["AWS_ACCESS_KEY_ID"] = s3.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey, ["AWS_REGION"] = "us-east-1" };
        var root = $"s3://{s3.Bucket}/daily-{Guid.NewGuid():N}";
        var incoming = ObjectStores.Open(root + "/in", options);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in new[] { ("one.json", "z1\n"), ("../two.txt", "z2\n") })
                using (var s = archive.CreateEntry(name).Open()) s.Write(Encoding.UTF8.GetBytes(text));
        await incoming.PutBytesAsync("cyi/2021-04-01/a.zip", zip.ToArray());
        await incoming.PutBytesAsync("cyi/2021-04-01/b.json", Encoding.UTF8.GetBytes("j1\n"));
        await incoming.PutBytesAsync("cyi/2021-04-01/c.bin", new byte[] { 9 });
        await incoming.PutBytesAsync("cyi/2021-04-01x/d.json", Encoding.UTF8.GetBytes("not the day\n"));

        using var h = new EngineHarness(env: env.GetValueOrDefault);
        var p = h.Load($$$"""
            name: daily_s3
            tasks:
              - {name: clear_staging, type: files, with: {action: clear, staging: "{{{root}}}/staging/date_str={date}"}}
              - {name: list_files, type: files, depends_on: [clear_staging], with: {action: list, source: "{{{root}}}/in", prefix: "cyi/{date}/"}}
              - name: normalize
                type: files
                depends_on: [list_files]
                with: {action: normalize, source: "{{{root}}}/in", prefix: "cyi/{date}/", staging: "{{{root}}}/staging/date_str={date}", quarantine: "{{{root}}}/quarantine/{date}"}
            """);
        var run = await h.Engine.RunAsync(p, new RunRequest("s1", "2021-04-02"), default);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(("3", "3", "1"), (run.Tasks["list_files"].Outputs!["count"], run.Tasks["normalize"].Outputs!["files"], run.Tasks["normalize"].Outputs!["quarantined"]));

        var staging = ObjectStores.Open(root + "/staging", options);
        var lines = new List<string>();
        await foreach (var o in staging.ListAsync(""))
        {
            Assert.StartsWith("date_str=2021-04-01/", o.Key, StringComparison.Ordinal);
            await using var gz = new GZipStream(await staging.OpenReadAsync(o.Key), CompressionMode.Decompress);
            lines.Add((await new StreamReader(gz).ReadToEndAsync()).Trim());
        }
        Assert.Equal(["j1", "z1", "z2"], lines.Order(StringComparer.Ordinal));
        Assert.True(await ObjectStores.Open(root + "/quarantine/2021-04-01", options).ExistsAsync("cyi_2021-04-01_c.bin"));
    }
}
