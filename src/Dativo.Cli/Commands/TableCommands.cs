using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Application.Tables;
using Dativo.Core.Errors;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo table list|show|history|properties|expire|compact|cleanup|query</c>: inspect and maintain Iceberg tables of a
/// warehouse (<c>namespace.table</c>) or opened by location (a path, with <c>--location-map</c> for moved tables).
/// </summary>
internal static class TableCommands
{
    public static Command Create(CliContext ctx)
    {
        var root = new Command("table", "Inspect and maintain Iceberg tables (warehouse catalog or table location)")
        {
            List(ctx), Show(ctx), History(ctx), Properties(ctx), Expire(ctx), Compact(ctx), Cleanup(ctx), Rollback(ctx), Query(ctx),
        };
        return root;
    }

    private static (Command Command, TableTarget Target, Argument<string> Name, Option<bool> Json) Table(string name, string description, bool json)
    {
        var target = new TableTarget();
        var arg = new Argument<string>("NAME") { Description = "namespace.table in the warehouse, or a table location (folder or URI)" };
        var jsonOpt = CommonOptions.Json();
        var c = new Command(name, description) { arg };
        target.AddTo(c);
        if (json) c.Options.Add(jsonOpt);
        return (c, target, arg, jsonOpt);
    }

    private static async Task WriteJsonAsync(CliContext ctx, JsonNode node) => await ctx.Out.WriteLineAsync(IssueJson.Pretty(node));

    private static Command List(CliContext ctx)
    {
        var target = new TableTarget();
        var json = CommonOptions.Json();
        var c = new Command("list", "Namespaces and tables of the catalog, with snapshot count and current snapshot id (exit code 1 when a table is damaged)") { json };
        target.AddTo(c);
        c.SetAction(async (pr, ct) =>
        {
            // one table that cannot be read (damaged, or a name another tool wrote) must not hide the healthy ones
            var rows = await target.Lake(pr, ctx.Time).ListAsync(TableTarget.ParseMap(pr.GetValue(target.LocationMap) ?? []),
                e => ctx.Err.WriteLine("error: " + e), verify: true, ct);
            if (pr.GetValue(json)) await WriteJsonAsync(ctx, TableJson.List(rows));
            else TableOutput.List(ResultTables.Console(ctx.Out), rows);
            return rows.Any(r => r.Error is not null) ? ExitCodes.Partial : ExitCodes.Success;
        });
        return c;
    }

    private static Command Show(CliContext ctx)
    {
        var (c, target, name, json) = Table("show", "Schema, partition spec, current snapshot, files/records, properties count, orphan files", json: true);
        c.SetAction(async (pr, ct) =>
        {
            var t = await target.OpenAsync(pr, pr.GetValue(name)!, ctx.Time, ct);
            var d = await t.DescribeAsync(ct);
            await t.VerifyCurrentSnapshotAsync(ct);
            var orphans = (await t.FindOrphanFilesAsync(TimeSpan.Zero, ct)).Count;
            if (pr.GetValue(json)) await WriteJsonAsync(ctx, TableJson.Show(d, orphans));
            else TableOutput.Show(ResultTables.Console(ctx.Out), d, orphans);
            return 0;
        });
        return c;
    }

    private static Command History(CliContext ctx)
    {
        var (c, target, name, json) = Table("history", "Snapshots, newest first", json: true);
        c.SetAction(async (pr, ct) =>
        {
            var d = await (await target.OpenAsync(pr, pr.GetValue(name)!, ctx.Time, ct)).DescribeAsync(ct);
            if (pr.GetValue(json)) await WriteJsonAsync(ctx, TableJson.History(d));
            else TableOutput.History(ResultTables.Console(ctx.Out), d);
            return 0;
        });
        return c;
    }

    private static Command Properties(CliContext ctx)
    {
        var (c, target, name, json) = Table("properties", "List table properties, or change them with --set k=v / --unset k", json: true);
        var set = new Option<string[]>("--set") { Description = "set a property (repeatable): key=value" };
        var unset = new Option<string[]>("--unset") { Description = "remove a property (repeatable)" };
        c.Options.Add(set);
        c.Options.Add(unset);
        c.SetAction(async (pr, ct) =>
        {
            var t = await target.OpenAsync(pr, pr.GetValue(name)!, ctx.Time, ct);
            var sets = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in pr.GetValue(set) ?? [])
            {
                var eq = kv.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new DativoException($"--set '{kv}': use key=value");
                sets[kv[..eq]] = kv[(eq + 1)..];
            }
            var unsets = pr.GetValue(unset) ?? [];
            if (sets.Count > 0 || unsets.Length > 0)
            {
                if (t.Identifier is null) throw new DativoException($"table {t.Name} was opened by location (read-only): change properties through the catalog (NAME = namespace.table)");
                await t.SetPropertiesAsync(sets, unsets, ct);
            }
            await t.RefreshAsync(ct);
            var props = t.Metadata.Properties;
            if (pr.GetValue(json)) await WriteJsonAsync(ctx, TableJson.Properties(props));
            else TableOutput.Properties(ResultTables.Console(ctx.Out), t.Name, props);
            return 0;
        });
        return c;
    }

    private static Command Expire(CliContext ctx)
    {
        var (c, target, name, _) = Table("expire", "Expire old snapshots and delete the files only they referenced", json: false);
        var olderThan = new Option<string>("--older-than") { Description = "expire snapshots older than this (e.g. 7d, 12h)", DefaultValueFactory = _ => "7d" };
        var retain = new Option<int>("--retain-last") { Description = "always keep this many most recent snapshots", DefaultValueFactory = _ => 1 };
        c.Options.Add(olderThan);
        c.Options.Add(retain);
        c.SetAction(async (pr, ct) =>
        {
            var age = TableTarget.Duration("--older-than", pr.GetValue(olderThan)!);
            if (pr.GetValue(retain) < 1) throw new DativoException("--retain-last: keep at least 1 snapshot");
            var t = await Writable(target, pr, pr.GetValue(name)!, ctx, ct);
            var r = await t.ExpireSnapshotsAsync(new ExpireOptions { OlderThan = ctx.Time.GetUtcNow() - age, RetainLast = pr.GetValue(retain) }, ct);
            await ctx.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{t.Name}: expired {r.ExpiredSnapshots} snapshot(s); deleted {r.DeletedDataFiles} data file(s), {r.DeletedDeleteFiles} delete file(s), {r.DeletedManifests} manifest(s), {r.DeletedManifestLists} manifest list(s)"));
            return 0;
        });
        return c;
    }

    private static Command Compact(CliContext ctx)
    {
        var (c, target, name, _) = Table("compact", "Rewrite small files (and files with deletes) of each partition into fewer files", json: false);
        c.SetAction(async (pr, ct) =>
        {
            var t = await Writable(target, pr, pr.GetValue(name)!, ctx, ct);
            var r = await t.CompactAsync(ct: ct);
            await ctx.Out.WriteLineAsync(r is null
                ? $"{t.Name}: nothing to compact"
                : string.Create(CultureInfo.InvariantCulture, $"{t.Name}: rewrote {r.RemovedDataFiles} file(s) into {r.AddedDataFiles} ({r.AddedRecords} records), snapshot {r.SnapshotId}"));
            return 0;
        });
        return c;
    }

    private static Command Cleanup(CliContext ctx)
    {
        var (c, target, name, _) = Table("cleanup", "Delete orphan files (not referenced by any metadata) older than a grace period", json: false);
        var olderThan = new Option<string>("--older-than") { Description = "grace period; files written more recently are kept (in-flight writes). 0s forces", DefaultValueFactory = _ => "1h" };
        c.Options.Add(olderThan);
        c.SetAction(async (pr, ct) =>
        {
            var grace = TableTarget.Duration("--older-than", pr.GetValue(olderThan)!);
            var t = await target.OpenAsync(pr, pr.GetValue(name)!, ctx.Time, ct);
            var removed = await t.DeleteOrphanFilesAsync(grace, ct);
            foreach (var o in removed) await ctx.Out.WriteLineAsync($"deleted {o.Location}");
            var temporary = removed.Count(o => o.Temporary);
            await ctx.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{t.Name}: deleted {removed.Count} orphan file(s) ({removed.Sum(o => o.Size)} bytes), of which {temporary} unfinished temporary file(s) (*.dativo-tmp)"));
            return 0;
        });
        return c;
    }

    private static Command Rollback(CliContext ctx)
    {
        var (c, target, name, _) = Table("rollback", "Repair a damaged table: make an earlier snapshot or metadata file current (after checking its files)", json: false);
        var snapshot = new Option<long?>("--to-snapshot") { Description = "snapshot id to make current ('dativo table history' lists them)" };
        var metadata = new Option<string>("--to-metadata") { Description = "metadata file to point the catalog at (a file name in the table's metadata folder, a path or a URI), when the current one is lost" };
        c.Options.Add(snapshot);
        c.Options.Add(metadata);
        c.SetAction(async (pr, ct) =>
        {
            var tableName = pr.GetValue(name)!;
            var toSnapshot = pr.GetValue(snapshot);
            var toMetadata = pr.GetValue(metadata);
            if (toSnapshot is null == toMetadata is null)
                throw new DativoException("table rollback: give exactly one of --to-snapshot ID or --to-metadata FILE");
            if (TableTarget.IsLocation(tableName))
                throw new DativoException($"table {tableName} is a location (read-only): roll back through the catalog (NAME = namespace.table)");
            if (toSnapshot is { } id)
            {
                var t = await Writable(target, pr, tableName, ctx, ct);
                var r = await t.RollbackToSnapshotAsync(id, ct);
                await ctx.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{t.Name}: snapshot {id} is current again ({r.MetadataLocation})"));
            }
            else
            {
                var file = toMetadata!.Contains("://", StringComparison.Ordinal) || !toMetadata.Contains('/', StringComparison.Ordinal)
                    ? toMetadata
                    : "file://" + Path.GetFullPath(toMetadata);
                var t = await target.RollbackToMetadataAsync(pr, tableName, file, ctx.Time, ct);
                await ctx.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Name}: the catalog now points at {t.MetadataLocation} (current snapshot {(t.Metadata.CurrentSnapshotId is { } s ? s.ToString(CultureInfo.InvariantCulture) : "none")})"));
            }
            return 0;
        });
        return c;
    }

    private static Command Query(CliContext ctx)
    {
        var (c, target, name, json) = Table("query", "Run SQL over the table's live rows (view t; scan planned by the lake, executed by DuckDB)", json: true);
        var sql = new Option<string>("--sql") { Description = "query, reading the table as t (e.g. \"SELECT count(*) FROM t\")", Required = true };
        var max = new Option<int>("--max-rows") { Description = "rows printed (default 100)", DefaultValueFactory = _ => 100 };
        c.Options.Add(sql);
        c.Options.Add(max);
        c.SetAction(async (pr, ct) =>
        {
            var t = await target.OpenAsync(pr, pr.GetValue(name)!, ctx.Time, ct);
            await using var engine = await DuckDbEngine.OpenAsync(ct: ct);
            await engine.RegisterViewAsync("t", await t.NewScan().ToSqlAsync(ct), ct);
            var result = await engine.QueryAsync(pr.GetValue(sql)!, ct: ct);
            if (pr.GetValue(json))
                await WriteJsonAsync(ctx, new JsonArray([.. result.Rows.Select(r => (JsonNode)new JsonObject(
                    result.Columns.Select((col, i) => KeyValuePair.Create(col.Name, CliFormat.Json(r[i], col.DuckDbType)))))]));
            else ResultTables.Print(ResultTables.Console(ctx.Out), t.Name, result, pr.GetValue(max));
            return 0;
        });
        return c;
    }

    private static async Task<IcebergTable> Writable(TableTarget target, ParseResult pr, string name, CliContext ctx, CancellationToken ct)
    {
        var t = await target.OpenAsync(pr, name, ctx.Time, ct);
        if (t.Identifier is null)
            throw new DativoException($"table {t.Name} was opened by location (read-only): maintain it through the catalog (NAME = namespace.table)");
        return t;
    }
}
