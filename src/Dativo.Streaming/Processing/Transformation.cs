using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Streaming.Runtime;

namespace Dativo.Streaming.Processing;

internal sealed record TransformInput(string RecordId, long ArrivalMs, ReadOnlyMemory<byte> Data);

internal enum TransformOutcome
{
    Ok,
    Dropped,
    ProcessingFailed,
}

internal sealed record TransformOutput(TransformOutcome Result, byte[] Data, IReadOnlyDictionary<string, string>? PartitionKeys);

/// <summary>The whole invocation failed (after its retries): every record of the batch goes to the error prefix.</summary>
internal sealed class TransformationFailedException(string message) : Exception(message);

/// <summary>
/// Firehose's Lambda record contract, spoken to an HTTP endpoint (POST of the invocation JSON) or to a command (the
/// invocation JSON on stdin, the response on stdout; started without a shell, records are never arguments).
/// </summary>
internal sealed class Transformer(TransformationSettings settings, string streamArn, string region, HttpClient http)
{
    public string Name { get; } = settings.Endpoint?.ToString() ?? string.Join(' ', settings.Command ?? []);

    /// <summary>Results per input recordId; a missing or unknown recordId fails that record, as in Firehose.</summary>
    public async Task<Dictionary<string, TransformOutput>> TransformAsync(IReadOnlyList<TransformInput> records, CancellationToken ct)
    {
        var request = new JsonObject
        {
            ["invocationId"] = Guid.NewGuid().ToString(),
            ["deliveryStreamArn"] = streamArn,
            ["region"] = region,
            ["records"] = new JsonArray([.. records.Select(r => (JsonNode)new JsonObject
            {
                ["recordId"] = r.RecordId,
                ["approximateArrivalTimestamp"] = r.ArrivalMs,
                ["data"] = Convert.ToBase64String(r.Data.Span),
            })]),
        };
        var body = request.ToJsonString();
        string? lastError = null;
        for (var attempt = 1; attempt <= Math.Max(1, settings.Attempts); attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(settings.Timeout);
                var response = settings.Endpoint is not null
                    ? await PostAsync(body, timeout.Token).ConfigureAwait(false)
                    : await RunCommandAsync(body, timeout.Token).ConfigureAwait(false);
                return ParseResponse(response);
            }
            catch (Exception e) when (e is HttpRequestException or TransformationFailedException or JsonException or IOException or InvalidOperationException
                                          || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                lastError = e is OperationCanceledException ? $"timed out after {settings.Timeout.TotalSeconds:0} s" : e.Message;
            }
        }
        throw new TransformationFailedException($"transformation {Name} failed {Math.Max(1, settings.Attempts)} times: {lastError}");
    }

    private async Task<string> PostAsync(string body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Endpoint) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        foreach (var (name, value) in settings.Headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new TransformationFailedException($"endpoint answered {(int)response.StatusCode}");
        return text;
    }

    private async Task<string> RunCommandAsync(string body, CancellationToken ct)
    {
        var command = settings.Command!;
        var psi = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new TransformationFailedException($"cannot start {command[0]}");
        try
        {
            var stdout = p.StandardOutput.ReadToEndAsync(ct);
            var stderr = p.StandardError.ReadToEndAsync(ct);
            await p.StandardInput.WriteAsync(body.AsMemory(), ct).ConfigureAwait(false);
            p.StandardInput.Close();
            await p.WaitForExitAsync(ct).ConfigureAwait(false);
            if (p.ExitCode != 0)
            {
                var err = (await stderr.ConfigureAwait(false)).Trim();
                throw new TransformationFailedException($"command exited with {p.ExitCode}{(err.Length > 0 ? ": " + err[..Math.Min(err.Length, 300)] : "")}");
            }
            return await stdout.ConfigureAwait(false);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    private static Dictionary<string, TransformOutput> ParseResponse(string text)
    {
        var root = JsonNode.Parse(text) as JsonObject ?? throw new TransformationFailedException("the response is not a JSON object");
        var list = root["records"] as JsonArray ?? throw new TransformationFailedException("the response has no 'records' array");
        var results = new Dictionary<string, TransformOutput>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            if (item is not JsonObject r || r["recordId"]?.GetValue<string>() is not { } id) continue;
            var outcome = r["result"]?.GetValue<string>() switch
            {
                "Ok" => TransformOutcome.Ok,
                "Dropped" => TransformOutcome.Dropped,
                _ => TransformOutcome.ProcessingFailed,
            };
            var data = r["data"]?.GetValue<string>() is { } b64 ? Convert.FromBase64String(b64) : [];
            Dictionary<string, string>? keys = null;
            if (r["metadata"]?["partitionKeys"] is JsonObject pk)
            {
                keys = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in pk)
                    if (v is JsonValue jv) keys[k] = Jq.JqNode.ToText(jv);
            }
            results[id] = new TransformOutput(outcome, data, keys);
        }
        return results;
    }
}
