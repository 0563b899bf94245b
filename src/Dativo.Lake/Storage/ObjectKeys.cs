namespace Dativo.Lake.Storage;

/// <summary>Validation of object keys shared by every store.</summary>
internal static class ObjectKeys
{
    /// <summary>Throws when <paramref name="key"/> is empty, absolute, or escapes the store root.</summary>
    public static string Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0) throw new ArgumentException("object key is empty", nameof(key));
        if (key[0] == '/') throw new ArgumentException($"object key must not start with '/': {key}", nameof(key));
        if (key.Contains('\\') || key.Contains('\0')) throw new ArgumentException($"object key contains '\\' or NUL: {key}", nameof(key));
        if (key.EndsWith('/')) throw new ArgumentException($"object key must not end with '/': {key}", nameof(key));
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
                throw new ArgumentException($"object key has an empty, '.' or '..' segment: {key}", nameof(key));
        }
        return key;
    }

    /// <summary>Throws when a list prefix could escape the root (a prefix may be empty or end with '/').</summary>
    public static string ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0) return prefix;
        if (prefix[0] == '/') throw new ArgumentException($"prefix must not start with '/': {prefix}", nameof(prefix));
        if (prefix.Contains('\\') || prefix.Contains('\0')) throw new ArgumentException($"prefix contains '\\' or NUL: {prefix}", nameof(prefix));
        foreach (var segment in prefix.Split('/'))
        {
            if (segment == "..") throw new ArgumentException($"prefix has a '..' segment: {prefix}", nameof(prefix));
        }
        return prefix;
    }
}
