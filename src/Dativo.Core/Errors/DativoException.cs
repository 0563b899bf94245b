namespace Dativo.Core.Errors;

/// <summary>
/// An error a user can act on: bad config, missing file, refused operation. The CLI prints
/// <see cref="Exception.Message"/> (never a stack trace) and exits with <see cref="ExitCode"/>.
/// </summary>
public class DativoException : Exception
{
    public DativoException(string message, int exitCode = ExitCodes.UserError, Exception? inner = null)
        : base(message, inner) => ExitCode = exitCode;

    public int ExitCode { get; }
}

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Finished, but with rejected records (warn mode) or some items failed.</summary>
    public const int Partial = 1;
    /// <summary>Bad input or failure.</summary>
    public const int UserError = 2;
}
