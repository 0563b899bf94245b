using Dativo.Core.Errors;

namespace Dativo.Lake.Storage;

/// <summary>
/// Writing an object failed for a reason of the storage itself (a full disk, a quota or file-size limit, a read-only or
/// failing file system). The message names the file and the fix; whatever the failed write had started is removed.
/// </summary>
public sealed class StorageWriteException(string message, Exception inner) : DativoException(message, ExitCodes.UserError, inner)
{
    /// <summary>True when the storage ran out of room (no space, quota, file-size limit): freeing space and re-running fixes it.</summary>
    public bool OutOfSpace { get; init; }
}

/// <summary>
/// A create-if-absent lost a race in a way the store reports as an error (the name was being created by another writer
/// at the same moment): the caller should treat the name as taken, not the storage as failing.
/// </summary>
public sealed class ObjectWriteConflictException(string message, Exception? inner = null) : IOException(message, inner);
