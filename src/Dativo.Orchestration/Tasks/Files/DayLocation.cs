using System.Globalization;
using System.Text.RegularExpressions;
using Dativo.Core.Errors;
using Dativo.Lake.Storage;

namespace Dativo.Orchestration.Tasks.Files;

/// <summary>The day a daily-load step works on, and its settings with <c>{date}</c> / <c>{date:FORMAT}</c> filled in.</summary>
internal static partial class DayLocation
{
    /// <summary>
    /// <c>with.date</c> when set; else a run started for an explicit date (a backfill day, an arrival date — it has a start
    /// date) processes its export date; else the export date minus <c>with.day_offset</c> (default 1: files exported on D
    /// are the previous day's, as in seed 003).
    /// </summary>
    public static DateOnly Day(TaskInvocation inv)
    {
        var errors = new List<string>();
        if (TaskSettings.Date(TaskSettings.Get(inv, "date"), "date", errors) is { } given) return given;
        if (errors.Count > 0) throw new DativoException(errors[0]);
        var export = DateOnly.ParseExact(inv.Run.ExportDate ?? throw new DativoException("the run has no export date"), "yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (inv.Run.StartDate is not null) return export;
        var offsetText = TaskSettings.Get(inv, "day_offset") ?? "1";
        if (!int.TryParse(offsetText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset) || offset is < -366 or > 366)
            throw new DativoException($"with.day_offset: '{offsetText}' is not a number of days (e.g. 1: the day before the export date, 0: the export date)");
        return export.AddDays(-offset);
    }

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Fills <c>{date}</c> (yyyy-MM-dd) and <c>{date:FORMAT}</c>.</summary>
    public static string Fill(string text, DateOnly day) =>
        DatePlaceholder().Replace(text, m => m.Groups[1].Success ? day.ToString(m.Groups[1].Value, CultureInfo.InvariantCulture) : Text(day));

    public static bool HasPlaceholder(string text) => DatePlaceholder().IsMatch(text);

    /// <summary>A location setting (folder relative to the working directory, file:// or s3://) with the day filled in, or null when unset.</summary>
    public static string? Location(TaskInvocation inv, string key, DateOnly day) =>
        TaskSettings.GetPath(inv, key) is { } raw ? Absolute(Fill(raw, day)) : null;

    public static string Required(TaskInvocation inv, string key, DateOnly day) =>
        Location(inv, key, day) ?? throw new DativoException($"with.{key} is required for a files task with action {TaskSettings.Get(inv, "action")}");

    /// <summary>A URI as written; a folder relative to the working directory, like a job's warehouse and source paths.</summary>
    private static string Absolute(string location) =>
        location.Contains("://", StringComparison.Ordinal) ? location.TrimEnd('/') : Path.GetFullPath(location);

    /// <summary>The store of a location, with the run's environment (AWS endpoint, region and keys for s3:// locations; else the SDK's chain).</summary>
    public static IObjectStore Open(TaskInvocation inv, string location) => ObjectStores.Open(location, new ObjectStoreOptions
    {
        Environment = inv.Env,
        AccessKeyId = inv.Env("AWS_ACCESS_KEY_ID"),
        SecretAccessKey = inv.Env("AWS_SECRET_ACCESS_KEY"),
        SessionToken = inv.Env("AWS_SESSION_TOKEN"),
    });

    [GeneratedRegex(@"\{date(?::([^}]+))?\}")]
    private static partial Regex DatePlaceholder();
}
