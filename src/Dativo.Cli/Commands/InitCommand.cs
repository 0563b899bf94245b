using System.CommandLine;
using System.Reflection;
using Dativo.Core.Errors;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo init [DIR] [--force]</c>: writes a working starter project — a CSV job, its ODCS contract, a pipeline, sample
/// data and a README — into an empty or new folder. The files are embedded in the build (src/Dativo.Cli/Init/Starter).
/// </summary>
internal static class InitCommand
{
    private const string Prefix = "Dativo.Init/";

    public static Command Create(CliContext ctx)
    {
        var dir = new Argument<string>("DIR") { Description = "folder to create the project in (default: the current folder)", DefaultValueFactory = _ => "." };
        var force = new Option<bool>("--force") { Description = "write into a folder that is not empty (existing files are kept, never overwritten)" };
        var cmd = new Command("init", "Create a starter project: a job, its data contract, a pipeline and sample data, ready to run") { dir, force };
        cmd.SetAction(async (pr, ct) =>
        {
            var target = Path.GetFullPath(pr.GetValue(dir)!);
            if (File.Exists(target)) throw new DativoException($"{target} is a file: name a folder (new or empty) for the project");
            var files = StarterFiles();
            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !pr.GetValue(force))
            {
                var present = Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(5);
                throw new DativoException($"{target} is not empty (it holds {string.Join(", ", present)}…): dativo init writes into an empty or new " +
                    "folder. Name another folder, or add --force to write the starter files that are missing there (existing files are never overwritten)");
            }
            var written = new List<string>();
            var kept = new List<string>();
            foreach (var (relative, resource) in files)
            {
                var path = Path.Combine(target, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using var source = typeof(InitCommand).Assembly.GetManifestResourceStream(resource)!;
                try
                {
                    await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                    await source.CopyToAsync(file, ct).ConfigureAwait(false);
                    written.Add(relative);
                }
                catch (IOException) when (File.Exists(path) || Directory.Exists(path))
                {
                    kept.Add(relative);
                }
            }
            var shown = Path.GetRelativePath(Environment.CurrentDirectory, target);
            await ctx.Out.WriteLineAsync($"created a Dativo project in {target}").ConfigureAwait(false);
            foreach (var w in written) await ctx.Out.WriteLineAsync("  " + w).ConfigureAwait(false);
            foreach (var k in kept) await ctx.Out.WriteLineAsync($"  {k} (exists, kept as it is)").ConfigureAwait(false);
            var next = new List<string> { "", "next:" };
            if (shown != ".") next.Add("  cd " + (shown.Contains(' ', StringComparison.Ordinal) ? $"\"{shown}\"" : shown));
            next.AddRange(["  dativo check --config jobs/orders.yaml", "  dativo run --config jobs/orders.yaml", "  dativo pipeline run pipelines/daily.yaml",
                "(README.md explains the files)"]);
            foreach (var line in next) await ctx.Out.WriteLineAsync(line).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>Relative path → resource name of every starter file (<c>gitignore</c> is written as <c>.gitignore</c>).</summary>
    private static List<(string Relative, string Resource)> StarterFiles() =>
        [.. Assembly.GetExecutingAssembly().GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => (Relative: n[Prefix.Length..] is "gitignore" ? ".gitignore" : n[Prefix.Length..], Resource: n))
            .OrderBy(x => x.Relative, StringComparer.Ordinal)];
}
