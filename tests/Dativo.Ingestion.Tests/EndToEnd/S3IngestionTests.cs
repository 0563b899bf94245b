using Dativo.Testing;
using System.Text;
using Amazon.S3.Model;
using Dativo.Ingestion.Targets;
using Dativo.Ingestion.Tests.Support;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;
using Dativo.Lake.Storage.S3;
using Dativo.Testing.Services;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>CSV from an <c>s3://</c> prefix into an Iceberg table in an <c>s3://</c> warehouse (s3rver), with S3 object tags and metadata.</summary>
public sealed class S3IngestionTests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>
{
    private ObjectStoreOptions Options => new()
    {
        Endpoint = s3.Endpoint, Region = "us-east-1", AccessKeyId = s3.AccessKey, SecretAccessKey = s3.SecretKey, EmulateConditionalWrites = true,
    };

    private Dictionary<string, string> Env => new()
    {
        ["AWS_ENDPOINT_URL_S3"] = s3.Endpoint,
        ["AWS_ACCESS_KEY_ID"] = s3.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey,
        ["AWS_REGION"] = "us-east-1",
        ["DATIVO_S3_EMULATE_CONDITIONAL_WRITES"] = "1",
    };

    [SkippableFact]
    public async Task S3_source_to_s3_warehouse_with_object_tags_then_no_new_data()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var bucket = ObjectStores.Open($"s3://{s3.Bucket}", Options);
        await bucket.PutAsync("in/a.csv", new MemoryStream(Encoding.UTF8.GetBytes("id,email,amount,paid,created\n1,a@x.com,1.50,true,2024-01-01 10:00:00\n2,b@x.com,2.25,false,2024-01-02T11:00:00\n")));
        await bucket.PutAsync("in/b.csv", new MemoryStream(Encoding.UTF8.GetBytes("id,email,amount,paid,created\n3,c@x.com,3,yes,2024-01-03\n")));
        using var f = new JobFolder();
        var catalog = Path.Combine(f.Path, "catalog.db");
        f.Job("job.yaml", "csv", $"s3://{s3.Bucket}/in/*.csv", extra: $"""
            target:
              warehouse: s3://{s3.Bucket}/lake
              catalog: sqlite:///{catalog.TrimStart('/')}
            """);

        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", "job.yaml"], Env);
        Assert.True(r.ExitCode == 0, r.All);

        var cat = Catalogs.Open(new CatalogOptions { Uri = $"sqlite:///{catalog.TrimStart('/')}" });
        var table = await IcebergTables.OpenAsync(cat, ObjectStores.Open($"s3://{s3.Bucket}/lake", Options), new TableIdentifier("sales", "orders"));
        Assert.Equal("3", table.Metadata.CurrentSnapshot!.Summary["total-records"]);
        Assert.StartsWith($"s3://{s3.Bucket}/lake/sales/orders", table.Location, StringComparison.Ordinal);

        var keys = new List<string>();
        await foreach (var o in bucket.ListAsync("lake/sales/orders/data/")) keys.Add(o.Key);
        Assert.NotEmpty(keys);
        var settings = S3ClientFactory.Resolve(Options);
        using var client = S3ClientFactory.Create(Options, settings);
        var tagging = await client.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = s3.Bucket, Key = keys[0] });
        var tags = tagging.Tagging.ToDictionary(t => t.Key, t => t.Value);
        Assert.InRange(tags.Count, 1, TargetStores.MaxObjectTags);
        Assert.Equal("acme", tags["TenantId"]);
        Assert.Equal("orders", tags["Asset"]);
        Assert.Equal("sales", tags["Domain"]);
        Assert.Equal("data@acme.com", tags["Owner"]);
        Assert.Equal("PII", tags["DataClassification"]);
        var head = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = s3.Bucket, Key = keys[0] });
        Assert.Contains("TenantId=acme", head.Metadata["x-amz-meta-" + TargetStores.MetadataKey], StringComparison.Ordinal);

        var again = await CliRunner.RunAsync(f.Path, ["run", "--config", "job.yaml"], Env);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("no new data", again.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task S3_warehouse_parquet_dataset_tags_data_files_and_manifests()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var bucket = ObjectStores.Open($"s3://{s3.Bucket}", Options);
        await bucket.PutAsync("pin/a.csv", new MemoryStream(Encoding.UTF8.GetBytes("id,email,amount,paid,created\n1,a@x.com,1.50,true,2024-01-01 10:00:00\n2,b@x.com,2.25,false,2024-01-02T11:00:00\n")));
        using var f = new JobFolder();
        f.Job("job.yaml", "csv", $"s3://{s3.Bucket}/pin/*.csv", target: "parquet", extra: $"""
            target:
              warehouse: s3://{s3.Bucket}/plake
              partitioning: [paid]
            """);

        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", "job.yaml"], Env);
        Assert.True(r.ExitCode == 0, r.All);

        var ds = Lake.Datasets.ParquetDataset.Open(ObjectStores.Open($"s3://{s3.Bucket}/plake", Options), "sales/orders");
        var state = await ds.CurrentAsync();
        Assert.Equal(2, state.RecordCount);
        Assert.Equal("pii", (await ds.ManifestsAsync()).Single().Properties["classification.fields.email"]);

        var keys = new List<string>();
        await foreach (var o in bucket.ListAsync("plake/sales/orders/")) keys.Add(o.Key);
        Assert.Contains(keys, k => k.StartsWith("plake/sales/orders/paid=true/part-", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.Contains("/_dativo/manifests/", StringComparison.Ordinal));
        var settings = S3ClientFactory.Resolve(Options);
        using var client = S3ClientFactory.Create(Options, settings);
        foreach (var key in keys)
        {
            var tagging = await client.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = s3.Bucket, Key = key });
            var tags = tagging.Tagging.ToDictionary(t => t.Key, t => t.Value);
            Assert.Equal("acme", tags["TenantId"]);
            Assert.Equal("PII", tags["DataClassification"]);
        }
    }
}
