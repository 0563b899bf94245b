using System.Runtime.CompilerServices;

namespace Dativo.Lake.Storage.Local;

/// <summary>
/// Objects as files under a root folder. Every write goes to a temporary file in the target's
/// folder, is fsynced, then renamed over the target, so readers see the old or the new object,
/// never a part; the folder is synced after the rename (and new folders in their parents), so a
/// published object survives a power loss. Create-if-absent uses a no-overwrite move (a hard link on Linux), so of N
/// concurrent creators exactly one wins.
/// </summary>
internal sealed class LocalObjectStore : IObjectStore
{
    /// <summary>Temporary files end with this; listings skip them.</summary>
    internal const string TempSuffix = ".dativo-tmp";

    private readonly string _rootPath;

    public LocalObjectStore(string rootPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        _rootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        Directory.CreateDirectory(_rootPath);
        Root = "file://" + _rootPath;
    }

    public string Root { get; }

    /// <summary>Absolute folder the store writes under.</summary>
    public string RootPath => _rootPath;

    public string UriOf(string key) => Root + "/" + ObjectKeys.Validate(key);

    /// <summary>Absolute file path of a key.</summary>
    public string PathOf(string key) => Path.Combine(_rootPath, ObjectKeys.Validate(key));

    public async Task PutAsync(string key, Stream content, CancellationToken ct = default)
    {
        var target = PathOf(key);
        var temp = await WriteTempAsync(target, content, ct);
        Publish(temp, target, overwrite: true);
    }

    public async Task<bool> PutIfAbsentAsync(string key, Stream content, CancellationToken ct = default)
    {
        var target = PathOf(key);
        if (File.Exists(target)) return false;
        var temp = await WriteTempAsync(target, content, ct);
        return Publish(temp, target, overwrite: false);
    }

    public Task<IObjectWriter> OpenWriteAsync(string key, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var target = PathOf(key);
        try
        {
            var temp = NewTempPath(target);
            var stream = CreateTemp(temp);
            return Task.FromResult<IObjectWriter>(new LocalObjectWriter(stream, temp, target));
        }
        catch (Exception e) when (LocalWriteErrors.IsWriteFailure(e))
        {
            throw LocalWriteErrors.Translate(e, target);
        }
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var path = PathOf(key);
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult(stream);
        }
        catch (FileNotFoundException)
        {
            throw new ObjectNotFoundException(UriOf(key));
        }
        catch (DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(UriOf(key));
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(PathOf(key)));
    }

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default) => ListFilesAsync(prefix, temporary: false, ct);

    /// <summary>
    /// Temporary files under <paramref name="prefix"/> (names ending in <see cref="TempSuffix"/>): a write in progress,
    /// or one a crash or kill interrupted. Their keys can be passed to <see cref="DeleteAsync"/>.
    /// </summary>
    public IAsyncEnumerable<ObjectInfo> ListTemporaryAsync(string prefix, CancellationToken ct = default) => ListFilesAsync(prefix, temporary: true, ct);

    private async IAsyncEnumerable<ObjectInfo> ListFilesAsync(string prefix, bool temporary, [EnumeratorCancellation] CancellationToken ct)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? _rootPath : Path.Combine(_rootPath, prefix[..slash]);
        if (!Directory.Exists(folder)) yield break;

        var found = new List<(string Key, FileInfo Info)>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", options))
        {
            ct.ThrowIfCancellationRequested();
            if (file.Name.EndsWith(TempSuffix, StringComparison.Ordinal) != temporary) continue;
            var key = Path.GetRelativePath(_rootPath, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(prefix, StringComparison.Ordinal)) found.Add((key, file));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, info) in found)
        {
            ct.ThrowIfCancellationRequested();
            long size;
            DateTime modified;
            try
            {
                info.Refresh();
                if (!info.Exists) continue;
                size = info.Length;
                modified = info.LastWriteTimeUtc;
            }
            catch (IOException)
            {
                continue; // deleted between enumeration and stat
            }
            yield return new ObjectInfo(key, size, new DateTimeOffset(modified, TimeSpan.Zero), null);
        }
        await Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
            // missing object: nothing to do
        }
        return Task.CompletedTask;
    }

    internal static string NewTempPath(string target)
    {
        var dir = Path.GetDirectoryName(target)!;
        DirectorySync.CreateDurably(dir);
        return Path.Combine(dir, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N")[..12] + TempSuffix);
    }

    internal static FileStream CreateTemp(string temp) =>
        new(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);

    private static async Task<string> WriteTempAsync(string target, Stream content, CancellationToken ct)
    {
        string? temp = null;
        try
        {
            temp = NewTempPath(target);
            var file = CreateTemp(temp);
            try
            {
                await content.CopyToAsync(file, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            finally
            {
                await CloseQuietlyAsync(file);
            }
        }
        catch (Exception e)
        {
            if (temp is not null) TryDelete(temp);
            if (LocalWriteErrors.IsWriteFailure(e)) throw LocalWriteErrors.Translate(e, target);
            throw;
        }
        return temp;
    }

    /// <summary>Closes a temp file whose write may have failed: closing flushes the buffer, which fails again on a full disk.</summary>
    private static async Task CloseQuietlyAsync(FileStream file)
    {
        try { await file.DisposeAsync(); }
        catch (Exception e) when (LocalWriteErrors.IsWriteFailure(e)) { }
    }

    /// <summary>Renames the fsynced temp file to the target. Returns false when overwrite is off and the target exists.</summary>
    internal static bool Publish(string temp, string target, bool overwrite)
    {
        try
        {
            if (!overwrite && HardLink.TryCreate(temp, target) is { } created)
            {
                TryDelete(temp);
                if (created) DirectorySync.Flush(Path.GetDirectoryName(target)!);
                return created;
            }
            File.Move(temp, target, overwrite);
            DirectorySync.Flush(Path.GetDirectoryName(target)!);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(target))
        {
            TryDelete(temp);
            return false;
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (LocalWriteErrors.IsWriteFailure(e)) throw LocalWriteErrors.Translate(e, target);
            throw;
        }
    }

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
