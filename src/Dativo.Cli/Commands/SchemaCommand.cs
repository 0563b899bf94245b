using System.CommandLine;
using Dativo.Core.Config;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo schema export</c>: writes the JSON Schemas of every config file kind.</summary>
internal static class SchemaCommand
{
    public static Command Create(CliContext ctx)
    {
        var dir = new Option<DirectoryInfo>("--out", "-o") { Description = "folder to write *.schema.json into", Required = true };
        var export = new Command("export", "Write the JSON Schemas (job, contract, connector recipe) to a folder") { dir };
        export.SetAction(async (pr, ct) =>
        {
            var outDir = pr.GetValue(dir)!;
            outDir.Create();
            foreach (var (name, text) in PublishedSchemas.All())
            {
                var path = Path.Combine(outDir.FullName, name);
                await File.WriteAllTextAsync(path, text, ct).ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"wrote {path}").ConfigureAwait(false);
            }
            return 0;
        });
        return new Command("schema", "JSON Schemas of Dativo's config files") { export };
    }
}
