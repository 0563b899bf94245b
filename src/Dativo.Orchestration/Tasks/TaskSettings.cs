using Dativo.Core.Text;
using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>Reads the <c>with:</c> settings of a task (strings, or maps of strings) and renders their templates.</summary>
internal static class TaskSettings
{
    public static string? Raw(TaskDefinition task, string key) =>
        task.With is { } w && w.TryGetValue(key, out var node) && node is JsonValue v
            ? v.TryGetValue<string>(out var s) ? s : v.ToJsonString()
            : null;

    public static bool Has(TaskDefinition task, string key) => task.With?.ContainsKey(key) == true;

    public static IReadOnlyDictionary<string, string>? RawMap(TaskDefinition task, string key) =>
        task.With is { } w && w.TryGetValue(key, out var node) && node is JsonObject o
            ? o.ToDictionary(kv => kv.Key, kv => kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value?.ToJsonString() ?? "", StringComparer.Ordinal)
            : null;

    public static string? Get(TaskInvocation inv, string key) => Raw(inv.Task, key) is { } s ? inv.Render(s).Trim() : null;

    /// <summary>A path setting: rendered so that a value from data cannot leave the folder the text names (trimmed before, never after).</summary>
    public static string? GetPath(TaskInvocation inv, string key) => Raw(inv.Task, key) is { } s ? inv.RenderPath(s.Trim(), $"with.{key}") : null;

    /// <summary>Unknown keys are errors (with a suggestion), so a typo never silently falls back to a default.</summary>
    public static void CheckKeys(TaskDefinition task, TaskIssues issues, IReadOnlyCollection<string> known)
    {
        foreach (var key in task.With?.Keys.ToList() ?? [])
            if (!known.Contains(key))
                issues.Error($"with.{key}", $"unknown setting '{key}' for a {task.Type} task{NearMiss.Hint(key, known)}; known: {string.Join(", ", known)}");
    }

    public static bool IsTemplated(string s) => s.Contains("{{", StringComparison.Ordinal);

    /// <summary>A date setting: yyyy-MM-dd.</summary>
    public static DateOnly? Date(string? value, string key, List<string> errors)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        errors.Add($"with.{key}: '{value}' is not a date (yyyy-MM-dd)");
        return null;
    }
}
