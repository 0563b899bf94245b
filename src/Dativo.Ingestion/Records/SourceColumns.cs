using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Ingestion.Records;

/// <summary>
/// Checks the columns a source file has (a CSV header, the keys of a JSON lines file, a Parquet schema) against the
/// contract before its values are trusted, as columns are matched by name, ignoring case:
/// <list type="bullet">
/// <item>two columns that match the same contract column (<c>id</c> and <c>ID</c>) are an error: one value would be
/// dropped;</item>
/// <item>a contract column the file does not have (renamed in the source) is an error in strict mode, and in warn mode
/// a warning (a quarantine entry with <c>kept: true</c>, reason <c>missing_column</c>) while the column loads as
/// null.</item>
/// </list>
/// Columns the contract does not have are not read and not checked.
/// </summary>
internal sealed class SourceColumns(LoadedJob job)
{
    public const string MissingColumn = "missing_column";

    private readonly bool _warn = string.Equals(job.Config.SchemaValidationMode, "warn", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Checks <paramref name="names"/>, the columns of <paramref name="path"/> (<paramref name="what"/>: "header", "keys",
    /// "columns"); throws for what fails the file, returns the warnings to record (warn mode), each at <paramref name="position"/>.
    /// </summary>
    public IReadOnlyList<Rejection> Check(IReadOnlyList<string> names, string path, string what, long position)
    {
        var warnings = new List<Rejection>();
        foreach (var field in job.Contract.Fields)
        {
            var matches = Enumerable.Range(0, names.Count).Where(i => string.Equals(names[i], field.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count > 1)
                throw new DativoException($"{path}: the file's {what} has both '{names[matches[0]]}' (column {matches[0] + 1}) and '{names[matches[1]]}' " +
                    $"(column {matches[1] + 1}), which both match the contract's column '{field.Name}' (names match ignoring case): " +
                    "rename or remove one of them so that no value is dropped");
            if (matches.Count == 1) continue;
            var listed = $"the file's {what}: {Listed(names)}";
            if (!_warn)
                throw new DativoException($"{path}: the contract's column '{field.Name}' is not in {listed}. " +
                    $"A renamed source column would load as nulls: rename it in the file or in the contract ({Where(field)}), " +
                    $"or set schema_validation_mode: warn to load the file with '{field.Name}' null and a warning");
            warnings.Add(new Rejection(path, position, field.Name, MissingColumn, $"not in {listed}; loaded as null", true));
        }
        return warnings;
    }

    private string Where(Core.Contracts.ContractField field) =>
        job.Contract.File.Length == 0 ? $"line {field.Line}" : field.Line > 0 ? $"{job.Contract.File}:{field.Line}" : job.Contract.File;

    private static string Listed(IReadOnlyList<string> names)
    {
        if (names.Count == 0) return "(none)";
        var shown = string.Join(", ", names.Take(20));
        return names.Count > 20 ? $"{shown}, … ({names.Count} columns)" : shown;
    }
}
