using Dativo.Core.Errors;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>
/// A table whose current metadata file, a manifest list, a manifest or a data file is missing or unreadable. Reads stop
/// with this error and commits refuse to build a snapshot on top of it; the message names the file and the repair.
/// </summary>
public sealed class DamagedTableException(string table, string file, string message, Exception? inner = null)
    : DativoException(message, ExitCodes.UserError, inner)
{
    /// <summary>The table (namespace.table, or its location when opened without a catalog).</summary>
    public string Table { get; } = table;

    /// <summary>The missing or unreadable file.</summary>
    public string File { get; } = file;
}
