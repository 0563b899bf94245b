using Amazon.SQS;
using Amazon.SQS.Model;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Scheduling;

/// <summary>
/// Object-arrival trigger fed by S3 event notifications on an SQS queue (<c>object_arrival.queue</c>): each created
/// object under <c>location</c> + <c>prefix</c> names a date, and each (pipeline, date) gets one run, <c>arrival-&lt;date&gt;</c>
/// (the run identity makes duplicates and redeliveries harmless: a date whose run exists and is finished is skipped, one
/// whose run was interrupted is resumed). A message is deleted only once its runs are recorded (its visibility is extended
/// while they run); a message that is not an S3 event, or names only keys outside the prefix, is logged and deleted.
/// </summary>
public sealed class SqsArrivalTrigger
{
    private readonly IAmazonSQS _sqs;
    private readonly IRunStore _runs;
    private readonly TimeProvider _time;
    private readonly LoadedPipeline _pipeline;
    private readonly string _queueUrl;
    private readonly string _bucket;
    private readonly string _base;
    private readonly ArrivalPrefix _prefix;
    private readonly Action<string> _log;

    public SqsArrivalTrigger(IAmazonSQS sqs, IRunStore runs, TimeProvider time, LoadedPipeline pipeline, ObjectArrivalDefinition def, Action<string> log)
    {
        _sqs = sqs;
        _runs = runs;
        _time = time;
        _pipeline = pipeline;
        _log = log;
        _queueUrl = def.Queue ?? throw new ArgumentException("the trigger has no queue", nameof(def));
        if (!def.Location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            throw new DativoException($"pipeline '{pipeline.Name}': an object_arrival trigger with a queue needs an s3://bucket/prefix location, not '{def.Location}'");
        var path = def.Location["s3://".Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        _bucket = slash < 0 ? path : path[..slash];
        _base = slash < 0 ? "" : path[(slash + 1)..].Trim('/');
        _prefix = new ArrivalPrefix(def.Prefix);
    }

    /// <summary>How long a received message stays hidden from other consumers; extended at half-time while its runs go on.</summary>
    public TimeSpan Visibility { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Long-poll wait of each receive (at most 20 s, SQS's limit).</summary>
    public int WaitSeconds { get; init; } = 20;

    /// <summary>Receives once and handles what came; returns how many messages were deleted.</summary>
    public async Task<int> ProcessOnceAsync(Func<RunRequest, CancellationToken, Task<RunRecord>> run, CancellationToken ct)
    {
        var received = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = _queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = WaitSeconds, VisibilityTimeout = (int)Visibility.TotalSeconds,
        }, ct);
        var deleted = 0;
        foreach (var m in received.Messages ?? [])
            if (await HandleAsync(m, run, ct)) deleted++;
        return deleted;
    }

    public async Task RunAsync(Func<RunRequest, CancellationToken, Task<RunRecord>> run, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ProcessOnceAsync(run, ct);
            }
            catch (Exception e) when (e is AmazonSQSException or HttpRequestException && !ct.IsCancellationRequested)
            {
                _log($"queue {_queueUrl}: {e.Message}; retrying in 10 s");
                await Task.Delay(TimeSpan.FromSeconds(10), _time, ct);
            }
        }
    }

    /// <summary>True when the message was deleted (handled or poison); false leaves it to come back.</summary>
    private async Task<bool> HandleAsync(Message m, Func<RunRequest, CancellationToken, Task<RunRecord>> run, CancellationToken ct)
    {
        var parsed = S3EventMessages.Parse(m.Body ?? "");
        if (parsed.IsTestEvent)
        {
            _log($"queue {_queueUrl}: s3:TestEvent received (the bucket notification works); deleted");
            return await DeleteAsync(m, ct);
        }
        if (parsed.NotAnEvent is { } why)
        {
            _log($"queue {_queueUrl}: message {m.MessageId} deleted without a run: {why}");
            return await DeleteAsync(m, ct);
        }
        var created = parsed.Records.Where(r => r.EventName.StartsWith("ObjectCreated", StringComparison.Ordinal)).ToList();
        var dates = created.Select(DateOf).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (dates.Count == 0)
        {
            var keys = string.Join(", ", parsed.Records.Take(3).Select(r => $"{r.EventName} s3://{r.Bucket}/{r.Key}"));
            _log($"queue {_queueUrl}: message {m.MessageId} deleted without a run: no created object under s3://{_bucket}/{Join(_base, _prefix.ListPrefix)} ({keys})");
            return await DeleteAsync(m, ct);
        }

        using var hold = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var keepHidden = KeepHiddenAsync(m, hold.Token);
        try
        {
            foreach (var date in dates)
            {
                var request = new RunRequest($"arrival-{date}", date);
                var existing = await _runs.GetRunAsync(RunKeys.Of(_pipeline.Name, request.CorrelationId!), ct);
                if (existing is not null && RunStatus.IsTerminal(existing.Status))
                {
                    _log($"queue {_queueUrl}: {existing.RunId} already {existing.Status.ToLowerInvariant()}; duplicate event ignored");
                    continue;
                }
                try
                {
                    await run(request, ct);
                }
                catch (DativoException e)
                {
                    // recorded (another process runs it, or it failed) means handled; not recorded means the message must come back
                    if (await _runs.GetRunAsync(RunKeys.Of(_pipeline.Name, request.CorrelationId!), ct) is null) throw;
                    _log($"queue {_queueUrl}: {e.Message}");
                }
            }
        }
        finally
        {
            await hold.CancelAsync();
            try { await keepHidden; } catch (OperationCanceledException) { }
        }
        return await DeleteAsync(m, ct);
    }

    private string? DateOf(S3ObjectEvent e)
    {
        if (e.Bucket != _bucket) return null;
        var key = e.Key;
        if (_base.Length > 0)
        {
            if (!key.StartsWith(_base + "/", StringComparison.Ordinal)) return null;
            key = key[(_base.Length + 1)..];
        }
        return _prefix.DateOf(key);
    }

    private async Task KeepHiddenAsync(Message m, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(Visibility / 2, _time, ct);
            try
            {
                await _sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest { QueueUrl = _queueUrl, ReceiptHandle = m.ReceiptHandle, VisibilityTimeout = (int)Visibility.TotalSeconds }, ct);
            }
            catch (AmazonSQSException e)
            {
                _log($"queue {_queueUrl}: could not extend the visibility of message {m.MessageId}: {e.Message}");
            }
        }
    }

    private async Task<bool> DeleteAsync(Message m, CancellationToken ct)
    {
        await _sqs.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = _queueUrl, ReceiptHandle = m.ReceiptHandle }, ct);
        return true;
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "/" + b;
}

/// <summary>SQS clients for a queue URL: region and endpoint from the URL (sqs.REGION.amazonaws.com, or an emulator's host), else the AWS environment.</summary>
public static class SqsClients
{
    public static IAmazonSQS ForQueue(string queueUrl, Func<string, string?> env)
    {
        if (!Uri.TryCreate(queueUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            throw new DativoException($"queue '{queueUrl}' is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)");
        var config = new AmazonSQSConfig();
        var labels = u.Host.Split('.');
        var endpoint = env("AWS_ENDPOINT_URL_SQS") ?? env("AWS_ENDPOINT_URL");
        if (endpoint is null && labels is ["sqs", var region, "amazonaws", ..])
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
            return new AmazonSQSClient(config);
        }
        config.ServiceURL = endpoint ?? u.GetLeftPart(UriPartial.Authority);
        config.AuthenticationRegion = env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? "us-east-1";
        if (string.IsNullOrEmpty(env("AWS_ACCESS_KEY_ID")) && string.IsNullOrEmpty(env("AWS_PROFILE")))
            return new AmazonSQSClient(new Amazon.Runtime.BasicAWSCredentials("dativo-local", "dativo-local"), config); // an emulator
        return new AmazonSQSClient(config);
    }
}
