using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Discovery;
using Dativo.Ingestion.Secrets;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo discover --config JOB [--json]</c>: what the job's source holds — PostgreSQL tables and views with their
/// columns (type, nullability, comments), or the files a file source would read (size, modified, header columns).
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
        var cmd = new Command("discover", "List the tables and columns (postgres) or files and header columns (file sources) of a job's source")
        {
            config, json, mode, secretsDir,
        };
        cmd.SetAction(async (pr, ct) =>
        {
            var job = JobLoader.Load(pr.GetValue(config)!.FullName, ctx.Env, CommonOptions.ParseMode(pr.GetValue(mode)));
            var secrets = new SecretResolver(ctx.Env, CommonOptions.ResolveSecretsDir(pr.GetValue(secretsDir), ctx));
            var result = await SourceDiscovery.DiscoverAsync(job, secrets, ctx.Env, ct).ConfigureAwait(false);
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
