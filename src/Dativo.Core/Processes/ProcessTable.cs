using System.Globalization;

namespace Dativo.Core.Processes;

/// <summary>
/// Linux process facts from <c>/proc</c>: a process is identified by its pid and start time (clock ticks after boot, field 22
/// of <c>/proc/PID/stat</c>) on one boot (<c>/proc/sys/kernel/random/boot_id</c>), compared as numbers. A recycled pid has
/// another start time, so it is never mistaken for the process that was recorded.
/// </summary>
internal static class ProcessTable
{
    /// <summary>One line of /proc/PID/stat: state (R, S, D, Z, ...), process group, session, start time.</summary>
    public readonly record struct Stat(int Pid, char State, int Group, int Session, ulong StartTicks)
    {
        public bool IsDead => State is 'Z' or 'X' or 'x';
    }

    private static readonly Lazy<string?> Boot = new(() =>
    {
        try { return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    });

    public static string? BootId => Boot.Value;

    public static Stat? Read(int pid)
    {
        string line;
        try { line = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"); }
        catch (IOException) { return null; } // gone (FileNotFound, DirectoryNotFound) or racing its exit
        catch (UnauthorizedAccessException) { return null; }
        return Parse(line);
    }

    /// <summary>Parses a stat line; the command name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
    public static Stat? Parse(string line)
    {
        var close = line.LastIndexOf(')');
        var open = line.IndexOf('(', StringComparison.Ordinal);
        if (close < 0 || open <= 0) return null;
        var rest = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state): field n is rest[n - 3]
        if (rest.Length < 20
            || !int.TryParse(line.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(rest[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var group)
            || !int.TryParse(rest[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var session)
            || !ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            return null;
        return new Stat(pid, rest[0][0], group, session, start);
    }

    /// <summary>Every process that can be read now.</summary>
    public static IEnumerable<Stat> All()
    {
        IEnumerable<string> dirs;
        try { dirs = Directory.EnumerateDirectories("/proc"); }
        catch (IOException) { yield break; }
        foreach (var dir in dirs)
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (Read(pid) is { } s) yield return s;
        }
    }
}
