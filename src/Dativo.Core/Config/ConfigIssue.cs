namespace Dativo.Core.Config;

public enum IssueSeverity { Error, Warning }

/// <summary>A problem in a config file, located by file, line, column and key path.</summary>
public sealed record ConfigIssue(IssueSeverity Severity, string File, int Line, int Column, string KeyPath, string Message)
{
    public override string ToString()
    {
        var where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        var path = string.IsNullOrEmpty(KeyPath) ? "" : $" {KeyPath}:";
        var level = Severity == IssueSeverity.Warning ? " warning:" : "";
        return $"{where}:{level}{path} {Message}";
    }
}

/// <summary>Thrown when a config has errors; the message lists every error with its location.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigIssue> issues)
    : Errors.DativoException(string.Join(Environment.NewLine, issues.Where(i => i.Severity == IssueSeverity.Error)))
{
    public IReadOnlyList<ConfigIssue> Issues { get; } = issues;

    public static ConfigException At(string file, int line, int column, string keyPath, string message) =>
        new([new ConfigIssue(IssueSeverity.Error, file, line, column, keyPath, message)]);
}
