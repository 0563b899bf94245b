using Dativo.Application.Infrastructure;
using Dativo.Application.Pipelines;
using Dativo.Application.Security;
using Dativo.Application.Tables;
using Dativo.Orchestration.Runs;
using Dativo.Server.Config;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server.Hosting;

/// <summary>Everything the endpoints share: the configuration and the application layer's catalogs and stores, opened once.</summary>
public sealed class ServerContext : IAsyncDisposable
{
    public ServerContext(ServerConfig config, AppContext app)
    {
        Config = config;
        App = app;
        Runs = (StateStoreRunStore)PipelineHost.OpenRunStore(app, config.State is null ? null : config.Resolve(config.State));
        Keys = new ApiKeys(Runs.State, app.Time);
        Pipelines = new PipelineCatalog(app, config.Resolve(config.Pipelines));
        Jobs = new JobCatalog(app, config.Resolve(config.Jobs));
        Tables = new TableLake(new WarehouseOptions(config.Resolve(config.Warehouse), config.Catalog), app.Time);
        Streams = config.Streams is null ? new NotConfiguredStreams() : HostedStreams.Load(config, app, Keys);
    }

    public ServerConfig Config { get; }
    public AppContext App { get; }
    public StateStoreRunStore Runs { get; }
    public ApiKeys Keys { get; }
    public PipelineCatalog Pipelines { get; }
    public JobCatalog Jobs { get; }
    public TableLake Tables { get; }
    public IStreamsView Streams { get; }
    public TimeProvider Time => App.Time;

    /// <summary>The warehouse's tables; none while a local warehouse folder does not exist yet (no job has written one).</summary>
    public async Task<List<TableListing>> ListTablesAsync(CancellationToken ct)
    {
        var w = Tables.Options.Warehouse;
        if (Tables.Options.CatalogUri is null && !w.Contains("://", StringComparison.Ordinal) && !Directory.Exists(w)) return [];
        return await Tables.ListAsync(null, null, verify: false, ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Streams is IAsyncDisposable streams) await streams.DisposeAsync().ConfigureAwait(false);
        if (Runs.State is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
    }
}
