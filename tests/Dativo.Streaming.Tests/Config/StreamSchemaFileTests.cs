using Dativo.Core.Config;
using Dativo.Streaming.Config;
using Dativo.Testing;

namespace Dativo.Streaming.Tests.Config;

public sealed class StreamSchemaFileTests
{
    [Fact]
    public void Stream_schema_is_published_and_in_sync()
    {
        StreamSchema.Register();
        var (file, text) = PublishedSchemas.All().Single(s => s.File == "stream.schema.json");
        var committed = Path.Combine(Repo.Root, "schemas", file);
        Assert.True(File.Exists(committed) && File.ReadAllText(committed) == text, "schemas/stream.schema.json is stale: run ./dativo schema export --out schemas");
    }
}
