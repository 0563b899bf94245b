using System.Text.Json.Nodes;
using Dativo.Application.Pipelines;
using Dativo.Application.Security;
using Dativo.Server.Hosting;
using Dativo.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary><c>/api/streams</c>: delivery streams. The streaming service plugs in behind <see cref="IStreamsView"/>; until then every stream is unknown.</summary>
internal static class StreamsApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/streams").WithTags("streams");
        g.MapGet("", (ServerContext s) => Json.Of(new JsonObject { ["configured"] = s.Streams.Configured, ["message"] = s.Streams.Message, ["streams"] = new JsonArray() }))
            .WithSummary("Delivery streams (or why there are none)");
        g.MapGet("/{name}/metrics", (string name, ServerContext s) => Unknown(name, s)).WithSummary("Incoming records/bytes, delivered bytes, buffer fill, active partitions of a stream");
        g.MapGet("/{name}/alarms", (string name, ServerContext s) => Unknown(name, s)).WithSummary("Alarm states of a stream");
        g.MapPost("/{name}/records", (string name, ServerContext s) => Unknown(name, s)).RequireScope(ApiScope.Ingest).WithSummary("Put records into a stream (ingest keys only)");
    }

    private static IResult Unknown(string name, ServerContext s) => throw new NotFoundException($"no stream '{name}': {s.Streams.Message}");
}
