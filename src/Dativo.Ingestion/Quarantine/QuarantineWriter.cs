using System.Text.Json;
using Dativo.Ingestion.Records;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Quarantine;

/// <summary>
/// Rejected (strict) and flagged (warn) records as JSON lines next to the target:
/// <c>&lt;warehouse&gt;/&lt;namespace&gt;/_quarantine/&lt;table&gt;/&lt;run id&gt;.jsonl</c>, one line per failure with
/// source, position, field, reason and raw value. The file appears only when the run has rejections.
/// </summary>
internal sealed class QuarantineWriter(IObjectStore store, string key, string runId, string tenant, string job, TimeProvider time) : IAsyncDisposable
{
    private IObjectWriter? _out;
    private Utf8JsonWriter? _json;

    public long Count { get; private set; }
    public string Uri => store.UriOf(key);

    public async Task AddAsync(IReadOnlyList<Rejection> rejections, CancellationToken ct)
    {
        if (rejections.Count == 0) return;
        _out ??= await store.OpenWriteAsync(key, ct).ConfigureAwait(false);
        var at = time.GetUtcNow().ToString("O");
        foreach (var r in rejections)
        {
            _json ??= new Utf8JsonWriter(_out.Stream);
            _json.Reset(_out.Stream);
            _json.WriteStartObject();
            _json.WriteString("run_id", runId);
            _json.WriteString("tenant", tenant);
            _json.WriteString("job", job);
            _json.WriteString("source", r.Source);
            _json.WriteNumber("position", r.Position);
            _json.WriteString("field", r.Field);
            _json.WriteString("reason", r.Reason);
            _json.WriteString("raw_value", r.RawValue);
            _json.WriteBoolean("kept", r.Kept);
            _json.WriteString("at", at);
            _json.WriteEndObject();
            await _json.FlushAsync(ct).ConfigureAwait(false);
            _out.Stream.WriteByte((byte)'\n');
            Count++;
        }
    }

    /// <summary>Makes the quarantine file visible. Called whether or not the table commit succeeds: rejections are never lost.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_out is null) return;
        if (_json is not null) await _json.DisposeAsync().ConfigureAwait(false);
        _json = null;
        await _out.Stream.FlushAsync(ct).ConfigureAwait(false);
        await _out.CommitAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_json is not null) await _json.DisposeAsync().ConfigureAwait(false);
        if (_out is not null) await _out.DisposeAsync().ConfigureAwait(false);
    }
}
