using System.Text;
using Amazon.S3.Model;
using Dativo.Lake.Storage;
using Dativo.Lake.Storage.S3;
using Dativo.Testing.Services;

namespace Dativo.Lake.Tests.Storage;

/// <summary><see cref="ObjectStoreOptions.ObjectTags"/> and <see cref="ObjectStoreOptions.ObjectMetadata"/> on single PUTs and multipart uploads.</summary>
public sealed class S3ObjectTagsTests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>
{
    private ObjectStoreOptions Options(IReadOnlyDictionary<string, string>? tags = null) => new()
    {
        Endpoint = s3.Endpoint, Region = "us-east-1", AccessKeyId = s3.AccessKey, SecretAccessKey = s3.SecretKey,
        ObjectTags = tags, ObjectMetadata = new Dictionary<string, string> { ["origin"] = "test" },
        MultipartThreshold = 5 * 1024 * 1024, PartSize = 5 * 1024 * 1024,
    };

    [SkippableFact]
    public async Task Every_written_object_carries_the_tags_and_metadata()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var tags = new Dictionary<string, string> { ["TenantId"] = "acme", ["DataClassification"] = "PII" };
        var options = Options(tags);
        var store = ObjectStores.Open($"s3://{s3.Bucket}/tagged", options);
        await store.PutAsync("small.txt", new MemoryStream(Encoding.UTF8.GetBytes("hello")));
        await using (var w = await store.OpenWriteAsync("big.bin"))
        {
            await w.Stream.WriteAsync(new byte[11 * 1024 * 1024]);
            await w.CommitAsync();
        }
        using var client = S3ClientFactory.Create(options, S3ClientFactory.Resolve(options));
        foreach (var key in new[] { "tagged/small.txt", "tagged/big.bin" })
        {
            var t = await client.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = s3.Bucket, Key = key });
            Assert.Equal(tags, t.Tagging.ToDictionary(x => x.Key, x => x.Value));
            var head = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = s3.Bucket, Key = key });
            Assert.Equal("test", head.Metadata["x-amz-meta-origin"]);
        }
    }

    [Fact]
    public void More_than_ten_tags_are_refused()
    {
        var tags = Enumerable.Range(0, 11).ToDictionary(i => $"k{i}", i => "v");
        Assert.Throws<ArgumentException>(() => S3ClientFactory.Resolve(Options(tags)));
    }
}
