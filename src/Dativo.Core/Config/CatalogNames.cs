namespace Dativo.Core.Config;

/// <summary>
/// The rule for names that become catalog identifiers and folders (table and namespace names): what Spark, Glue,
/// Athena, Trino and Hive metastores all accept unquoted, and what is always one safe path segment.
/// </summary>
public static class CatalogNames
{
    public const int MaxLength = 128;

    public const string Pattern = "^[a-z][a-z0-9_]*$";

    public const string Rule = "lowercase letters, digits and '_', starting with a letter, at most 128 characters (^[a-z][a-z0-9_]*$)";

    /// <summary>How a job's table and namespace names are read: trimmed, lower case, '-' and spaces as '_'.</summary>
    public static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace('-', '_').Replace(' ', '_');

    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > MaxLength || name[0] is < 'a' or > 'z') return false;
        foreach (var c in name)
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')) return false;
        return true;
    }

    /// <summary>The name as shown in a message: quoted, and shortened when very long.</summary>
    public static string Show(string name) => name.Length <= 60 ? $"'{name}'" : $"'{name[..40]}…' ({name.Length} characters)";
}
