using System.Text.Json.Nodes;
using Dativo.Application.Tables;
using Dativo.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary><c>/api/tables</c>: the warehouse's Iceberg tables by <c>namespace.table</c>.</summary>
internal static class TablesApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/tables").WithTags("tables");
        g.MapGet("", async (ServerContext s, CancellationToken ct) =>
            Json.Of(TableJson.List(await s.ListTablesAsync(ct).ConfigureAwait(false))))
            .WithSummary("Tables of the catalog with snapshot count and current snapshot (a table that cannot be read has its error)");
        g.MapGet("/{name}", async (string name, ServerContext s, CancellationToken ct) =>
        {
            var t = await s.Tables.OpenAsync(name, ct).ConfigureAwait(false);
            return Json.Of(TableJson.Show(await t.DescribeAsync(ct).ConfigureAwait(false), null));
        }).WithSummary("A table: location, schema, partition spec, current snapshot, totals");
        g.MapGet("/{name}/schema", async (string name, ServerContext s, CancellationToken ct) =>
        {
            var t = await s.Tables.OpenAsync(name, ct).ConfigureAwait(false);
            var d = await t.DescribeAsync(ct).ConfigureAwait(false);
            var cols = TableJson.Schema(d);
            foreach (var c in cols)
            {
                var cls = TableJson.Classification(d.Properties, (string)c!["name"]!);
                c!["classification"] = cls;
                c["sensitive"] = TableJson.IsSensitive(cls);
            }
            return Json.Of(cols);
        }).WithSummary("Columns with their classification (from the table properties); sensitive ones flagged");
        g.MapGet("/{name}/snapshots", async (string name, ServerContext s, CancellationToken ct) =>
            Json.Of(TableJson.History(await (await s.Tables.OpenAsync(name, ct).ConfigureAwait(false)).DescribeAsync(ct).ConfigureAwait(false))))
            .WithSummary("Snapshots, newest first");
        g.MapGet("/{name}/properties", async (string name, ServerContext s, CancellationToken ct) =>
            Json.Of(TableJson.Properties((await s.Tables.OpenAsync(name, ct).ConfigureAwait(false)).Metadata.Properties)))
            .WithSummary("Table properties: classification, governance, FinOps and asset tags derived from the contract");
    }
}
