using System.Collections.Concurrent;
using Amazon.Runtime;
using Dativo.Aws;
using Dativo.Core.Errors;
using Dativo.Lake.State;
using Dativo.Streaming.Runtime;

namespace Dativo.Streaming.Sources.Kinesis;

/// <summary>
/// Feeds a delivery stream from a Kinesis data stream: lists the shards (again every <see cref="KinesisSourceSettings.ShardListInterval"/>
/// and whenever a shard finishes), runs one <see cref="ShardReader"/> per shard this instance can lease, and starts a
/// child shard only once all its parents are finished, so records of one partition key stay in order across resharding.
/// </summary>
internal sealed class KinesisConsumer : IAsyncDisposable
{
    private readonly KinesisSourceSettings _settings;
    private readonly DeliveryStream _stream;
    private readonly TimeProvider _time;
    private readonly Action<string>? _log;
    private readonly KinesisApi _api;
    private readonly ShardLeases _leases;
    private readonly ConcurrentDictionary<string, Task> _readers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset? _startAt;
    private Task? _loop;

    public KinesisConsumer(KinesisSourceSettings settings, DeliveryStream stream, IStateStore store, TimeProvider time, Action<string>? log = null)
    {
        _settings = settings;
        _stream = stream;
        _time = time;
        _log = log;
        AwsJsonClient client;
        try
        {
            client = new AwsJsonClient(AwsService.Kinesis, new AwsClientOptions
            {
                Region = settings.Region,
                Endpoint = settings.Endpoint,
                Credentials = settings.AccessKeyId is { } id ? new BasicAWSCredentials(id, settings.SecretAccessKey) : null,
                Time = time,
                Log = log,
            });
        }
        catch (AwsException e)
        {
            throw new DativoException($"stream '{stream.Name}': source kinesis ({settings.StreamIdentity}): {e.Message}");
        }
        _api = new KinesisApi(client, settings);
        var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        _leases = new ShardLeases(store, stream.Name, settings.StreamIdentity, owner, settings.LeaseDuration, time);
    }

    /// <summary>Each reader's steps, in the order they happen per shard.</summary>
    public event Action<KinesisProgress>? Progress;

    /// <summary>Checks the stream is readable (a wrong name or endpoint fails the start, naming them), then starts reading.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            await _api.ListShardsAsync(ct).ConfigureAwait(false);
        }
        catch (AwsException e)
        {
            throw new DativoException($"stream '{_stream.Name}': cannot read Kinesis stream {_settings.StreamIdentity} at {_api.Endpoint} ({_api.Region}): {e.Message}. " +
                "Check source.kinesis (stream name, region, endpoint) and that the credentials allow kinesis:ListShards, GetShardIterator and GetRecords");
        }
        _startAt = _settings.StartingPosition switch
        {
            KinesisStartingPosition.Latest => await _leases.FirstStartAsync(ct).ConfigureAwait(false),
            KinesisStartingPosition.AtTimestamp => _settings.StartingTimestamp,
            _ => null,
        };
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Stops every reader after its current batch is in the log and checkpointed; their leases are let go.</summary>
    public async Task StopAsync()
    {
        if (_loop is null) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await Task.WhenAll(_readers.Values).ConfigureAwait(false);
        _loop = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake);
            try
            {
                await ScheduleAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is AwsException or HttpRequestException or IOException or System.Data.Common.DbException or AmazonServiceException or AmazonClientException)
            {
                _log?.Invoke($"stream '{_stream.Name}': listing the shards of Kinesis {_settings.StreamIdentity} failed: {e.Message}; trying again");
            }
            using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                await Task.WhenAny(wake.Task, Task.Delay(_settings.ShardListInterval, _time, waiting.Token)).ConfigureAwait(false);
                await waiting.CancelAsync().ConfigureAwait(false);
            }
            if (wake.Task.IsCompleted) Interlocked.CompareExchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), wake);
        }
    }

    /// <summary>Starts a reader for each listed shard that is not finished, not being read, and whose parents are finished.</summary>
    private async Task ScheduleAsync(CancellationToken stop)
    {
        var shards = await _api.ListShardsAsync(stop).ConfigureAwait(false);
        var finished = await _leases.FinishedAsync(stop).ConfigureAwait(false);
        var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            if (finished.Contains(shard.ShardId)) continue;
            if (_readers.TryGetValue(shard.ShardId, out var running) && !running.IsCompleted) continue;
            // a parent no longer listed has aged out of the stream's retention: nothing of it is left to read first
            if (!shard.Parents.All(p => finished.Contains(p) || !listed.Contains(p))) continue;
            _readers[shard.ShardId] = Task.Run(() => ReadAsync(shard, stop), CancellationToken.None);
        }
    }

    private async Task ReadAsync(KinesisShard shard, CancellationToken stop)
    {
        var reader = new ShardReader(_api, _leases, _stream, _settings, _startAt, _time, _log, p => Progress?.Invoke(p));
        try
        {
            if (await reader.RunAsync(shard, stop).ConfigureAwait(false)) Volatile.Read(ref _wake).TrySetResult(); // its children may start now
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is System.Data.Common.DbException or AmazonServiceException or AmazonClientException or IOException)
        {
            // the state store failed while taking or letting go of the lease: the next listing tries the shard again
            _log?.Invoke($"stream '{_stream.Name}': Kinesis {_settings.StreamIdentity} shard {shard.ShardId}: {e.Message}");
        }
    }
}
