using Dativo.Lake.Storage;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Storage;

public sealed class ObjectStoreExtensionsTests : IDisposable
{
    private readonly TempDir _dir = new("dativo-ext-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task KeyOf_inverts_UriOf_and_bytes_helpers_round_trip()
    {
        var store = ObjectStores.Open(_dir.Path);
        var uri = store.UriOf("t/metadata/v1.json");
        Assert.Equal("t/metadata/v1.json", store.KeyOf(uri));
        Assert.Equal("t/metadata/v1.json", store.KeyOf("file:" + _dir.Path + "/t/metadata/v1.json"));
        Assert.Null(store.TryKeyOf("file:///elsewhere/x"));
        Assert.Null(store.TryKeyOf(store.Root + "-sibling/x"));
        Assert.Throws<ArgumentException>(() => store.KeyOf("s3://b/x"));
        await store.PutBytesAsync("b.bin", new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.ReadAllBytesAsync("b.bin"));
    }
}
