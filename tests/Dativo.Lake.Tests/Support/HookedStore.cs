using System.Collections.Concurrent;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Tests.Support;

/// <summary>
/// A real store with hooks around create-if-absent: a test fills the disk just before a chosen write, or holds one writer
/// at a barrier while another runs. Counts the create attempts per file name.
/// </summary>
internal sealed class HookedStore(IObjectStore inner) : IObjectStore
{
    public Func<string, Task>? BeforePutIfAbsent { get; set; }
    public Func<string, bool, Task>? AfterPutIfAbsent { get; set; }
    public ConcurrentDictionary<string, int> PutIfAbsentCalls { get; } = new(StringComparer.Ordinal);

    public string Root => inner.Root;
    public string UriOf(string key) => inner.UriOf(key);
    public Task PutAsync(string key, Stream content, CancellationToken ct = default) => inner.PutAsync(key, content, ct);

    public async Task<bool> PutIfAbsentAsync(string key, Stream content, CancellationToken ct = default)
    {
        PutIfAbsentCalls.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (BeforePutIfAbsent is { } before) await before(key);
        var created = await inner.PutIfAbsentAsync(key, content, ct);
        if (AfterPutIfAbsent is { } after) await after(key, created);
        return created;
    }

    public Task<IObjectWriter> OpenWriteAsync(string key, CancellationToken ct = default) => inner.OpenWriteAsync(key, ct);
    public Task<Stream> OpenReadAsync(string key, CancellationToken ct = default) => inner.OpenReadAsync(key, ct);
    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) => inner.ExistsAsync(key, ct);
    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
    public Task DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);
}
