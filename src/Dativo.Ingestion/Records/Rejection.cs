namespace Dativo.Ingestion.Records;

/// <summary>Why a record failed validation: the first failing field in strict mode, every failing field in warn mode.</summary>
internal sealed record Rejection(string Source, long Position, string Field, string Reason, string? RawValue, bool Kept)
{
    public const string MissingRequired = "missing_required";
    public const string TypeMismatch = "type_mismatch";
    public const string OutOfRange = "out_of_range";
    /// <summary>A value with bytes the file's encoding cannot decode (invalid UTF-8): shown as \xNN in the raw value.</summary>
    public const string InvalidEncoding = "invalid_encoding";
    /// <summary>A text value holding a NUL character.</summary>
    public const string NulCharacter = "nul_character";
}
