using System.Diagnostics;

namespace Dativo.Testing;

/// <summary>
/// A small tmpfs mounted on a folder, so that writes under it fail with a real ENOSPC from the kernel. Mounting needs root
/// (or CAP_SYS_ADMIN): <see cref="TryMount"/> returns null elsewhere and the test skips. <see cref="Fill"/> takes the
/// remaining space at a chosen moment (a test hook calls it just before the write that should fail).
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private const string FillerName = ".test-filler";
    private bool _mounted;

    private SmallDisk(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> on <paramref name="path"/> (created if missing), or returns null when not permitted.</summary>
    public static SmallDisk? TryMount(string path, long bytes)
    {
        if (!OperatingSystem.IsLinux()) return null;
        Directory.CreateDirectory(path);
        var disk = new SmallDisk(path);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path) != 0) return null;
        disk._mounted = true;
        return disk;
    }

    /// <summary>Changes the size (growing it is how a test "frees space" for a retry).</summary>
    public void Resize(long bytes)
    {
        if (Run("mount", "-o", $"remount,size={bytes}", Path) != 0) throw new InvalidOperationException($"cannot resize the tmpfs on {Path}");
    }

    /// <summary>Takes every free byte with a filler file: the next write that needs a page fails with ENOSPC.</summary>
    public void Fill()
    {
        using var handle = File.OpenHandle(System.IO.Path.Combine(Path, FillerName), FileMode.Append, FileAccess.Write);
        var offset = RandomAccess.GetLength(handle);
        foreach (var chunk in new[] { 1 << 20, 64 << 10, 4 << 10, 512 })
        {
            var buffer = new byte[chunk];
            while (true)
            {
                try
                {
                    RandomAccess.Write(handle, buffer, offset);
                    offset += chunk;
                }
                catch (IOException)
                {
                    break; // full at this granularity: try smaller pieces
                }
            }
        }
    }

    /// <summary>Deletes the filler file.</summary>
    public void FreeUp() => File.Delete(System.IO.Path.Combine(Path, FillerName));

    /// <summary>Every file under the disk except the filler, as paths relative to it.</summary>
    public IReadOnlyList<string> Files() => [.. Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories)
        .Select(f => System.IO.Path.GetRelativePath(Path, f)).Where(f => f != FillerName).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        if (!_mounted) return;
        _mounted = false;
        Run("umount", "-l", Path);
    }

    private static int Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1; // no mount binary
        }
    }
}
