using System.Runtime.InteropServices;

namespace Dativo.Lake.Storage.Local;

/// <summary>
/// fsync(2) of a folder. A file's own fsync makes its bytes durable, not its name: after a power loss a renamed or
/// linked file (a table's new metadata file, which the catalog already points at) can be missing unless the folder
/// holding the name was synced too.
/// </summary>
internal static partial class DirectorySync
{
    private const int EINVAL = 22; // file systems that cannot sync a folder (some FUSE mounts): nothing more to do there

    public static void Flush(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // NTFS journals names itself
        var fd = open(folder, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open folder {folder} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != EINVAL)
                throw new IOException($"cannot sync folder {folder} (errno {errno})");
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>Creates <paramref name="folder"/> and its missing parents, syncing each parent that got a new entry.</summary>
    public static void CreateDurably(string folder)
    {
        var missing = new Stack<string>();
        for (var d = folder; !string.IsNullOrEmpty(d) && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Push(d);
        if (missing.Count == 0) return;
        Directory.CreateDirectory(folder);
        foreach (var created in missing) Flush(Path.GetDirectoryName(created)!);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
