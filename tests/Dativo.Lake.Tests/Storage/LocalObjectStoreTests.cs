using System.Text;
using Dativo.Lake.Storage;
using Dativo.Lake.Storage.Local;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Storage;

public sealed class LocalObjectStoreTests : IDisposable
{
    private readonly TempDir _dir = new("dativo-local-");
    private readonly LocalObjectStore _store;

    public LocalObjectStoreTests() => _store = new LocalObjectStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private static MemoryStream Bytes(string s) => new(Encoding.UTF8.GetBytes(s));

    private static async Task<string> ReadAsync(IObjectStore store, string key)
    {
        await using var s = await store.OpenReadAsync(key);
        using var r = new StreamReader(s);
        return await r.ReadToEndAsync();
    }

    [Fact]
    public async Task Put_then_read_and_overwrite()
    {
        await _store.PutAsync("t/data/a.parquet", Bytes("one"));
        Assert.Equal("one", await ReadAsync(_store, "t/data/a.parquet"));
        await _store.PutAsync("t/data/a.parquet", Bytes("two"));
        Assert.Equal("two", await ReadAsync(_store, "t/data/a.parquet"));
        Assert.True(await _store.ExistsAsync("t/data/a.parquet"));
        Assert.Equal("file://" + _dir.Path + "/t/data/a.parquet", _store.UriOf("t/data/a.parquet"));
    }

    [Fact]
    public async Task Missing_object_throws_ObjectNotFound_and_delete_is_idempotent()
    {
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => _store.OpenReadAsync("no/such/key"));
        Assert.EndsWith("/no/such/key", e.Uri);
        Assert.False(await _store.ExistsAsync("no/such/key"));
        await _store.DeleteAsync("no/such/key");
        await _store.PutAsync("k", Bytes("x"));
        await _store.DeleteAsync("k");
        Assert.False(await _store.ExistsAsync("k"));
    }

    [Theory]
    [InlineData("/abs")]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public async Task Keys_that_escape_the_root_are_rejected(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync(key, Bytes("x")));
    }

    [Fact]
    public async Task List_returns_keys_with_prefix_in_key_order_and_hides_temp_files()
    {
        foreach (var k in new[] { "b/2", "a/2", "a/10", "ab", "a/1", "a/sub/x", "a-" })
            await _store.PutAsync(k, Bytes(k));
        await using (var pending = await _store.OpenWriteAsync("a/pending"))
        {
            await pending.Stream.WriteAsync(new byte[] { 1, 2, 3 });
            Assert.Equal(["a/1", "a/10", "a/2", "a/sub/x"], await Keys("a/"));
        }
        Assert.Equal(["a-", "a/1", "a/10", "a/2", "a/sub/x", "ab"], await Keys("a"));
        Assert.Equal(["a-", "a/1", "a/10", "a/2", "a/sub/x", "ab", "b/2"], await Keys(""));
        Assert.Equal(["a/sub/x"], await Keys("a/s"));
        Assert.Empty(await Keys("zzz/"));
        var info = await _store.ListAsync("b/").SingleAsync();
        Assert.Equal(3, info.Size);
    }

    private async Task<List<string>> Keys(string prefix) => await _store.ListAsync(prefix).Select(i => i.Key).ToListAsync();

    [Fact]
    public async Task Writer_publishes_only_on_commit()
    {
        await using (var w = await _store.OpenWriteAsync("w/file.bin"))
        {
            await w.Stream.WriteAsync(Encoding.UTF8.GetBytes("hello"));
            await w.Stream.DisposeAsync(); // a format writer closing the stream must not lose the data
            Assert.False(await _store.ExistsAsync("w/file.bin"));
            await w.CommitAsync();
            Assert.Equal("hello", await ReadAsync(_store, "w/file.bin"));
        }
        await using (var w = await _store.OpenWriteAsync("w/abandoned.bin"))
            await w.Stream.WriteAsync(Encoding.UTF8.GetBytes("never"));
        Assert.False(await _store.ExistsAsync("w/abandoned.bin"));
        Assert.Equal(["w/file.bin"], await Keys("w/"));
        Assert.Single(Directory.GetFiles(Path.Combine(_dir.Path, "w"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_readers_never_see_a_partial_object()
    {
        const int size = 512 * 1024;
        await _store.PutAsync("hot", new MemoryStream(Filled(size, (byte)'A')));
        using var stop = new CancellationTokenSource();
        var torn = 0;
        var reads = 0;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested || Volatile.Read(ref reads) < 50)
            {
                await using var s = await _store.OpenReadAsync("hot");
                using var ms = new MemoryStream();
                await s.CopyToAsync(ms);
                var b = ms.ToArray();
                if (b.Length != size || b.Any(x => x != b[0])) Interlocked.Increment(ref torn);
                Interlocked.Increment(ref reads);
            }
        })).ToArray();
        for (var i = 0; i < 60; i++)
        {
            if (i % 2 == 0) await _store.PutAsync("hot", new MemoryStream(Filled(size, (byte)('B' + i % 20))));
            else
            {
                await using var w = await _store.OpenWriteAsync("hot");
                var data = Filled(size, (byte)('a' + i % 20));
                for (var off = 0; off < size; off += 4096) await w.Stream.WriteAsync(data.AsMemory(off, 4096));
                await w.CommitAsync();
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Equal(0, torn);
        Assert.True(reads >= 50);
    }

    private static byte[] Filled(int n, byte b)
    {
        var a = new byte[n];
        Array.Fill(a, b);
        return a;
    }

    [Fact]
    public async Task PutIfAbsent_race_has_exactly_one_winner()
    {
        for (var round = 0; round < 5; round++)
        {
            var key = $"race/{round}/v1.metadata.json";
            using var start = new ManualResetEventSlim();
            var tasks = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            {
                start.Wait();
                return (i, won: await _store.PutIfAbsentAsync(key, Bytes("writer-" + i)));
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(tasks);
            var winners = results.Where(r => r.won).ToList();
            Assert.Single(winners);
            Assert.Equal("writer-" + winners[0].i, await ReadAsync(_store, key));
        }
        Assert.False(await _store.PutIfAbsentAsync("race/0/v1.metadata.json", Bytes("late")));
        Assert.Equal(5, (await Keys("race/")).Count);
    }

    [Fact]
    public async Task Factory_opens_local_store_from_path_or_file_uri()
    {
        var a = ObjectStores.Open(_dir.Path);
        var b = ObjectStores.Open("file://" + _dir.Path + "/");
        await a.PutAsync("x/y", Bytes("z"));
        Assert.Equal("z", await ReadAsync(b, "x/y"));
        Assert.Equal(a.Root, b.Root);
        Assert.Throws<Dativo.Core.Errors.DativoException>(() => ObjectStores.Open("gs://bucket/x"));
    }

    [Fact]
    public void Folders_are_synced_and_created_with_their_parents_synced()
    {
        DirectorySync.Flush(_dir.Path);
        var missing = Path.Combine(_dir.Path, "no", "such");
        var e = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        DirectorySync.CreateDurably(missing);
        Assert.True(Directory.Exists(missing));
        DirectorySync.CreateDurably(missing); // exists: nothing to do
    }
}
