using Dativo.Core.Errors;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>Another writer committed first; the commit is retried on the new table state.</summary>
internal sealed class CommitConflictException(string message) : Exception(message);

/// <summary>The catalog update failed in a way that leaves its outcome unknown, and re-reading the catalog failed too.</summary>
public sealed class CommitStateUnknownException(string message, Exception inner) : DativoException(message, ExitCodes.UserError, inner);

/// <summary>A commit's precondition did not hold on the table's current state: nothing of the commit became visible.</summary>
public sealed class CommitRefusedException(string message) : DativoException(message);
