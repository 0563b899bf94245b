using System.Globalization;
using Dativo.Orchestration.Runs;

namespace Dativo.Server.Dashboard;

/// <summary>The page frame (navigation, stylesheet, script) and small shared pieces.</summary>
internal static class Layout
{
    public static string Page(string title, string active, Html body, bool canOperate)
    {
        var h = new Html();
        h.Add($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        h.Add($"<title>{title} · Dativo</title><link rel=\"stylesheet\" href=\"/assets/dashboard.css\"><script src=\"/assets/dashboard.js\" defer></script></head>");
        h.Add($"<body data-operate=\"{(canOperate ? "true" : "false")}\"><header><a class=\"brand\" href=\"/\">Dativo</a><nav>");
        foreach (var (href, name) in new[] { ("/", "Runs"), ("/tables", "Tables"), ("/streams", "Streams"), ("/openapi.json", "API") })
            h.Add($"<a href=\"{href}\"{new Raw(name == active ? " class=\"active\"" : "")}>{name}</a>");
        h.Add($"</nav></header><main><div id=\"flash\" role=\"status\"></div>{body}</main></body></html>");
        return h.ToString();
    }

    public static string StatusClass(string status) => "s-" + status.ToLowerInvariant().Replace('_', '-');

    public static Raw Badge(string status) => new Html().Add($"<span class=\"badge {StatusClass(status)}\">{status.ToLowerInvariant()}</span>").ToRaw();

    public static string Instant(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "–";

    public static string Duration(double? seconds) => seconds switch
    {
        null => "–",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0}s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)(seconds / 60)}m{(int)(seconds % 60):00}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)(seconds / 3600)}h{(int)(seconds % 3600 / 60):00}m"),
    };

    public static bool Live(string status) => !RunStatus.IsTerminal(status);
}
