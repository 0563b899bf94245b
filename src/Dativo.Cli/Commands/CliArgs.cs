using System.Globalization;
using Dativo.Core.Errors;

namespace Dativo.Cli.Commands;

/// <summary>Validation of option values that System.CommandLine leaves as text, turned into user errors (exit 2).</summary>
internal static class CliArgs
{
    public static DateOnly Date(string option, string? value)
    {
        if (value is null || !DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            throw new DativoException($"{option}: '{value}' is not a date; use YYYY-MM-DD (e.g. 2025-05-01)");
        return d;
    }

    public static DateOnly? OptionalDate(string option, string? value) => value is null ? null : Date(option, value);

    public static T Choice<T>(string option, string? value, IReadOnlyDictionary<string, T> choices)
    {
        if (value is not null && choices.TryGetValue(value.ToLowerInvariant(), out var v)) return v;
        throw new DativoException($"{option}: '{value}' is not one of {string.Join(", ", choices.Keys)}");
    }
}
