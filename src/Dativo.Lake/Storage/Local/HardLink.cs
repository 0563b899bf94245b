using System.Runtime.InteropServices;

namespace Dativo.Lake.Storage.Local;

/// <summary>
/// link(2): creates <c>target</c> as a second name of <c>source</c>, failing with EEXIST when the
/// target exists. That makes "publish if absent" atomic; File.Move(overwrite: false) is not on every
/// runtime/file system (a concurrent test saw two winners).
/// </summary>
internal static partial class HardLink
{
    private const int EEXIST = 17;

    /// <returns>true when created, false when the target already existed, null when links are unsupported here.</returns>
    public static bool? TryCreate(string source, string target)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        if (link(source, target) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EEXIST) return false;
        return null;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldpath, string newpath);
}
