namespace Dativo.Lake.Storage.Local;

/// <summary>Turns an operating-system error of a local write into a <see cref="StorageWriteException"/> naming the file and the fix.</summary>
internal static class LocalWriteErrors
{
    private const int ENOSPC = 28, EFBIG = 27, EDQUOT = 122, EROFS = 30, EIO = 5;

    /// <summary>True for the errors a write to a local file can raise (not cancellation, not a bug in the caller).</summary>
    public static bool IsWriteFailure(Exception e) =>
        e is IOException and not ObjectWriteConflictException || e is UnauthorizedAccessException
        // .NET reports EFBIG (a file larger than the file system or RLIMIT_FSIZE allows) as ArgumentOutOfRangeException("value")
        || e is ArgumentOutOfRangeException { ParamName: "value" };

    public static StorageWriteException Translate(Exception e, string path)
    {
        var errno = e is IOException io ? io.HResult & 0xFFFF : 0;
        var tooLarge = errno == EFBIG || e is ArgumentOutOfRangeException;
        var outOfSpace = tooLarge || errno is ENOSPC or EDQUOT || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
        var folder = Path.GetDirectoryName(path) ?? path;
        var reason = e is ArgumentOutOfRangeException
            ? "the file is larger than the file system or the process file-size limit (ulimit -f) allows"
            : StripPath(e.Message, path);
        string fix;
        if (tooLarge) fix = "raise the file-size limit (ulimit -f) or write smaller files (target_file_size_mb, write.target-file-size-bytes), then re-run";
        else if (outOfSpace) fix = $"free space on the file system holding {folder} (or raise its quota) and re-run";
        else if (errno == EROFS || e is UnauthorizedAccessException) fix = $"make {folder} writable for this user and re-run";
        else if (errno == EIO) fix = $"the file system holding {folder} reports an I/O error: check the disk (dmesg), then re-run";
        else fix = $"check the file system holding {folder}, then re-run";
        return new StorageWriteException($"cannot write {path}: {reason}; {fix}. The unfinished file was removed.", e) { OutOfSpace = outOfSpace };
    }

    /// <summary>.NET appends " : 'path'" to OS errors; the message already names the path.</summary>
    private static string StripPath(string message, string path)
    {
        var cut = message.IndexOf(" : '", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;
        return text.Replace(path, "", StringComparison.Ordinal).Trim().TrimEnd('.');
    }
}
