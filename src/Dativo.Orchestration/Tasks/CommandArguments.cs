using System.Text.RegularExpressions;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// Which arguments of a command a shell or interpreter runs as program text (<c>bash -c SCRIPT</c>, <c>python -c CODE</c>,
/// <c>awk PROGRAM</c>, everything after <c>ssh HOST</c>, ...) and which name the script file it runs. A template inside
/// program text would let a value become code, so it is refused; a templated script file is a path (see TemplatePaths).
/// Programs are recognised by name anywhere in argv, so wrappers (<c>env</c>, <c>timeout</c>, <c>docker run IMAGE</c>) do not hide them.
/// </summary>
internal static partial class CommandArguments
{
    public enum Role { Code, ScriptFile }

    public readonly record struct Argument(int Index, Role Role, string Program);

    private enum Family { Shell, CodeFlag, FirstOperand, Rest }

    private sealed record Interpreter(Family Family, string CodeChars = "", string[]? LongFlags = null);

    public static List<Argument> Find(IReadOnlyList<string> argv)
    {
        var found = new List<Argument>();
        for (var i = 0; i < argv.Count; i++)
        {
            var name = ProgramName(argv[i]);
            if (Lookup(name) is not { } interpreter) continue;
            void Mark(int index, Role role)
            {
                if (index < argv.Count && !found.Any(a => a.Index == index)) found.Add(new Argument(index, role, name));
            }
            switch (interpreter.Family)
            {
                case Family.Shell: Shell(argv, i, Mark); break;
                case Family.CodeFlag: CodeFlag(argv, i, interpreter, Mark); break;
                case Family.FirstOperand: FirstOperand(argv, i, name, Mark); break;
                case Family.Rest:
                    for (var k = i + 1; k < argv.Count; k++) Mark(k, Role.Code);
                    break;
            }
        }
        return found;
    }

    /// <summary>sh/bash/...: options up to the first operand; with -c (alone or in a group like -ec) that operand is the script.</summary>
    private static void Shell(IReadOnlyList<string> argv, int at, Action<int, Role> mark)
    {
        var code = false;
        for (var k = at + 1; k < argv.Count; k++)
        {
            var a = argv[k];
            if (a == "--" || a == "-")
            {
                mark(k + 1, code ? Role.Code : Role.ScriptFile);
                return;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (a is "--rcfile" or "--init-file") k++;
                continue;
            }
            if (a.Length > 1 && a[0] is '-' or '+')
            {
                if (a.Contains('c', StringComparison.Ordinal)) code = true;
                if (a.AsSpan(1).IndexOfAny('o', 'O') >= 0) k++; // -o pipefail
                continue;
            }
            mark(k, code ? Role.Code : Role.ScriptFile);
            return;
        }
    }

    /// <summary>
    /// python -c, perl -e/-ne, node -e/--eval, psql -c, ...: the argument after the flag (or the rest of the flag) is code; the
    /// first operand before any code flag is the script. Later arguments are scanned too (psql -d DB -c SQL): a false alarm only
    /// asks for env:, a miss would run a value.
    /// </summary>
    private static void CodeFlag(IReadOnlyList<string> argv, int at, Interpreter interpreter, Action<int, Role> mark)
    {
        var code = false;
        var operand = false;
        for (var k = at + 1; k < argv.Count; k++)
        {
            var a = argv[k];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var flag = a.Split('=', 2)[0];
                if (interpreter.LongFlags?.Contains(flag, StringComparer.OrdinalIgnoreCase) == true)
                {
                    code = true;
                    mark(a.Contains('=', StringComparison.Ordinal) ? k : ++k, Role.Code);
                }
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                var p = a.AsSpan(1).IndexOfAny(interpreter.CodeChars);
                if (p < 0) continue;
                code = true;
                mark(p + 2 < a.Length ? k : ++k, Role.Code);
                continue;
            }
            if (!code && !operand) mark(k, Role.ScriptFile);
            operand = true;
        }
    }

    /// <summary>awk/sed: the program is the first operand unless -f (awk, sed) or -e (sed) gives it.</summary>
    private static void FirstOperand(IReadOnlyList<string> argv, int at, string name, Action<int, Role> mark)
    {
        var sed = name.EndsWith("sed", StringComparison.Ordinal);
        for (var k = at + 1; k < argv.Count; k++)
        {
            var a = argv[k];
            if (a == "--")
            {
                mark(k + 1, Role.Code);
                return;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var flag = a.Split('=', 2)[0];
                if (flag is "--file") return;
                if (sed && flag is "--expression")
                {
                    mark(a.Contains('=', StringComparison.Ordinal) ? k : ++k, Role.Code);
                    return;
                }
                if (!a.Contains('=', StringComparison.Ordinal) && flag is "--assign" or "--field-separator" or "--line-length") k++;
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                if (a[1] == 'f') return;
                if (sed && a[1] == 'e')
                {
                    mark(a.Length > 2 ? k : ++k, Role.Code);
                    return;
                }
                if (a.Length == 2 && (sed ? a[1] == 'l' : a[1] is 'F' or 'v')) k++;
                continue;
            }
            mark(k, Role.Code);
            return;
        }
    }

    private static Interpreter? Lookup(string name)
    {
        if (Shells().IsMatch(name)) return new Interpreter(Family.Shell);
        if (Python().IsMatch(name)) return new Interpreter(Family.CodeFlag, "c");
        if (Perl().IsMatch(name)) return new Interpreter(Family.CodeFlag, "eE");
        if (Ruby().IsMatch(name)) return new Interpreter(Family.CodeFlag, "e");
        if (Node().IsMatch(name)) return new Interpreter(Family.CodeFlag, "ep", ["--eval", "--print"]);
        if (Php().IsMatch(name)) return new Interpreter(Family.CodeFlag, "r", ["--run"]);
        if (Lua().IsMatch(name) || name is "rscript" or "r" or "osascript") return new Interpreter(Family.CodeFlag, "e");
        if (name is "su" or "runuser" or "script" or "flock" or "expect" or "psql" or "duckdb") return new Interpreter(Family.CodeFlag, "c", ["--command"]);
        if (name is "mysql" or "mariadb") return new Interpreter(Family.CodeFlag, "e", ["--execute"]);
        if (Awk().IsMatch(name) || name is "sed" or "gsed") return new Interpreter(Family.FirstOperand);
        if (name is "pwsh" or "powershell" or "cmd" or "ssh" or "watch") return new Interpreter(Family.Rest);
        return null;
    }

    private static string ProgramName(string arg)
    {
        var name = Path.GetFileName(arg.Replace('\\', '/')).ToLowerInvariant();
        return name.EndsWith(".exe", StringComparison.Ordinal) ? name[..^4] : name;
    }

    [GeneratedRegex(@"^(sh|bash|dash|zsh|ksh|ksh93|mksh|ash|yash|posh|fish|csh|tcsh)$")]
    private static partial Regex Shells();

    [GeneratedRegex(@"^(python|pypy)[0-9.]*$")]
    private static partial Regex Python();

    [GeneratedRegex(@"^perl[0-9.]*$")]
    private static partial Regex Perl();

    [GeneratedRegex(@"^ruby[0-9.]*$")]
    private static partial Regex Ruby();

    [GeneratedRegex(@"^(node|nodejs|bun)[0-9.]*$")]
    private static partial Regex Node();

    [GeneratedRegex(@"^php[0-9.]*$")]
    private static partial Regex Php();

    [GeneratedRegex(@"^lua(jit)?[0-9.]*$")]
    private static partial Regex Lua();

    [GeneratedRegex(@"^(g|m|n)?awk$")]
    private static partial Regex Awk();
}
