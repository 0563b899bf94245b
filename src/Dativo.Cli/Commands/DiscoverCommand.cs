using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Discovery;
using Dativo.Ingestion.Secrets;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo discover --config JOB [--json] [--contract-out FILE [--force]]</c>: what the job's source holds — PostgreSQL
/// tables and views with their columns (type, nullability, comments), or the files a file source would read (size,
/// modified, header columns); with <c>--contract-out</c> also a draft ODCS contract of the job's table or files (the job's
/// own contract file need not exist yet).
/// </summary>
internal static class DiscoverCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(CliContext ctx)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var mode = CommonOptions.Mode();
        var secretsDir = CommonOptions.SecretsDir();
        var contractOut = new Option<FileInfo?>("--contract-out")
        {
            Description = "also write a draft ODCS contract of the job's table or files (types inferred) to this file; the job's contract need not exist yet",
        };
        var force = new Option<bool>("--force") { Description = "with --contract-out: replace the file if it exists" };
        var cmd = new Command("discover", "List the tables and columns (postgres) or files and header columns (file sources) of a job's source; draft a contract")
        {
            config, json, mode, secretsDir, contractOut, force,
        };
        cmd.SetAction(async (pr, ct) =>
        {
            var draftTo = pr.GetValue(contractOut);
            if (draftTo is not null && draftTo.Exists && !pr.GetValue(force))
                throw new DativoException($"{draftTo.FullName} exists: dativo discover does not overwrite a contract; name another file, or add --force to replace it");
            var job = JobLoader.Load(pr.GetValue(config)!.FullName, ctx.Env, CommonOptions.ParseMode(pr.GetValue(mode)), contractMayBeMissing: draftTo is not null);
            var secrets = new SecretResolver(ctx.Env, CommonOptions.ResolveSecretsDir(pr.GetValue(secretsDir), ctx));
            var result = await SourceDiscovery.DiscoverAsync(job, secrets, ctx.Env, ct).ConfigureAwait(false);
            if (draftTo is not null)
            {
                var yaml = ContractDraft.Yaml(result, job, ctx.Time.GetUtcNow());
                Directory.CreateDirectory(draftTo.DirectoryName!);
                await File.WriteAllTextAsync(draftTo.FullName, yaml, ct).ConfigureAwait(false);
                var uses = string.Equals(job.Resolve(job.Config.AssetPath), draftTo.FullName, StringComparison.Ordinal);
                await ctx.Err.WriteLineAsync($"wrote a draft contract to {draftTo.FullName}: review its types, required columns, classifications and owner" +
                    (uses ? $", then: dativo check --config {pr.GetValue(config)!.FullName}" : $"; point the job's asset_path at it to use it")).ConfigureAwait(false);
            }
            if (pr.GetValue(json)) await ctx.Out.WriteLineAsync(JsonSerializer.Serialize(result, JsonOptions)).ConfigureAwait(false);
            else Print(result, ctx);
            await ctx.Out.FlushAsync(ct).ConfigureAwait(false);
            return 0;
        });
        return cmd;
    }

    private static void Print(DiscoveryResult r, CliContext ctx)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(ctx.Out), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        if (r.Files.Count == 0 && r.Tables.Count == 0)
        {
            console.WriteLine($"{r.Job}: the {r.Source} source has nothing to list");
            return;
        }
        foreach (var t in r.Tables)
        {
            console.WriteLine($"{t.Schema}.{t.Name} ({t.Kind}{(t.InJob ? ", in this job" : "")}){(t.Comment is null ? "" : " — " + t.Comment)}");
            console.Write(Columns(t.Columns));
        }
        foreach (var f in r.Files)
        {
            console.WriteLine($"{f.Path} ({f.Format}, {f.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes, modified {CliFormat.Instant(f.Modified)})");
            if (f.Columns.Count > 0) console.Write(Columns(f.Columns));
        }
    }

    private static Table Columns(IReadOnlyList<DiscoveredColumn> cols)
    {
        var table = new Table().Border(TableBorder.Ascii).AddColumns("column", "type", "nullable", "comment");
        foreach (var c in cols)
            table.AddRow(Markup.Escape(c.Name), Markup.Escape(c.Type), c.Nullable ? "yes" : "no", Markup.Escape(c.Comment ?? ""));
        return table;
    }
}
