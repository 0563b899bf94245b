using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Jq;
using Dativo.Streaming.Prefixes;
using Dativo.Streaming.Runtime;

namespace Dativo.Streaming.Processing;

/// <summary>
/// Firehose's per-record pipeline, in its order: de-aggregation → transformation → partition-key extraction → prefix
/// evaluation → newline appending (compression happens per object). Every failure becomes an error record for the
/// error prefix with Firehose's fields; nothing is dropped except what a transformation answers "Dropped".
/// </summary>
internal sealed class RecordProcessor(StreamSettings settings, StreamPrefixes prefixes, JqQuery? jq, Transformer? transformer, TimeProvider time)
{
    private const int TransformBatchRecords = 500;
    private const int TransformBatchBytes = 3 * 1024 * 1024;

    public async Task<List<ProcessedRecord>> ProcessAsync(IReadOnlyList<WalEntry> entries, CancellationToken ct)
    {
        var output = new List<ProcessedRecord>(entries.Count);
        var pieces = new List<(long Ordinal, long ArrivalMs, ReadOnlyMemory<byte> Data)>(entries.Count);
        foreach (var e in entries)
        {
            if (settings.Deaggregation is null)
            {
                pieces.Add((ProcessedRecord.OrdinalOf(e.Seq, 0), e.ArrivalMs, e.Data));
                continue;
            }
            try
            {
                var parts = Deaggregator.Split(e.Data, settings.Deaggregation);
                for (var i = 0; i < parts.Count; i++) pieces.Add((ProcessedRecord.OrdinalOf(e.Seq, i), e.ArrivalMs, parts[i]));
            }
            catch (DeaggregationException x)
            {
                output.Add(Error(ProcessedRecord.OrdinalOf(e.Seq, 0), e.ArrivalMs, e.Data, ErrorRecords.DeaggregationFailed, x.Message));
            }
        }

        if (transformer is null)
        {
            foreach (var (ordinal, arrival, data) in pieces) output.Add(Route(ordinal, arrival, data, data, null));
            return output;
        }
        for (var start = 0; start < pieces.Count;)
        {
            var end = start;
            long bytes = 0;
            while (end < pieces.Count && end - start < TransformBatchRecords && (end == start || bytes + pieces[end].Data.Length <= TransformBatchBytes))
                bytes += pieces[end++].Data.Length;
            var batch = pieces.GetRange(start, end - start);
            start = end;
            Dictionary<string, TransformOutput> results;
            try
            {
                results = await transformer.TransformAsync(
                    [.. batch.Select(p => new TransformInput(p.Ordinal.ToString(CultureInfo.InvariantCulture), p.ArrivalMs, p.Data))], ct).ConfigureAwait(false);
            }
            catch (TransformationFailedException x)
            {
                foreach (var (ordinal, arrival, data) in batch)
                    output.Add(Error(ordinal, arrival, data, ErrorRecords.TransformationInvokeFailed, x.Message, settings.Transformation!.Attempts, transformer.Name));
                continue;
            }
            foreach (var (ordinal, arrival, data) in batch)
            {
                if (!results.TryGetValue(ordinal.ToString(CultureInfo.InvariantCulture), out var r))
                {
                    output.Add(Error(ordinal, arrival, data, ErrorRecords.TransformationBadResponse, "the transformation returned no result with this recordId", 1, transformer.Name));
                    continue;
                }
                switch (r.Result)
                {
                    case TransformOutcome.Dropped: break;
                    case TransformOutcome.ProcessingFailed:
                        output.Add(Error(ordinal, arrival, data, ErrorRecords.TransformationFailed, "the transformation returned ProcessingFailed", 1, transformer.Name));
                        break;
                    default:
                        output.Add(Route(ordinal, arrival, r.Data, data, r.PartitionKeys));
                        break;
                }
            }
        }
        return output;
    }

    /// <summary>The record's buffer: its evaluated prefix, or the error prefix when keys are missing or unusable.</summary>
    private ProcessedRecord Route(long ordinal, long arrivalMs, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> raw, IReadOnlyDictionary<string, string>? lambdaKeys)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(arrivalMs);
        Dictionary<string, string>? queryKeys = null;
        if (settings.EnableDynamicPartitioning && jq is not null)
        {
            try
            {
                queryKeys = jq.ExtractPartitionKeys(JsonNode.Parse(data.Span));
            }
            catch (JsonException x)
            {
                return Error(ordinal, arrivalMs, raw, ErrorRecords.InvalidJson, "the record is not valid JSON: " + x.Message);
            }
            catch (JqEvaluationException x)
            {
                return Error(ordinal, arrivalMs, raw, ErrorRecords.MissingKey, x.Message);
            }
        }
        string key;
        try
        {
            key = prefixes.Prefix.Evaluate(at, queryKeys, lambdaKeys, null);
        }
        catch (MissingPartitionKeyException x)
        {
            return Error(ordinal, arrivalMs, raw, ErrorRecords.MissingKey, x.Message);
        }
        foreach (var (name, value) in Used(queryKeys, prefixes.Prefix.QueryKeys).Concat(Used(lambdaKeys, prefixes.Prefix.LambdaKeys)))
        {
            if (StreamPrefixes.RejectPartitionValue(value) is { } why)
                return Error(ordinal, arrivalMs, raw, ErrorRecords.InvalidPartitionKey, $"partition key '{name}' {why}: it cannot be part of an object key");
        }
        if (key.Length + key.Count(c => c == PrefixTemplate.RandomMarker) * 10 > StreamPrefixes.MaxEvaluatedLength)
            return Error(ordinal, arrivalMs, raw, ErrorRecords.PrefixTooLong, $"the evaluated prefix is longer than {StreamPrefixes.MaxEvaluatedLength} characters");
        if (settings.EnableNewlineAppending)
        {
            var withNewline = new byte[data.Length + 1];
            data.Span.CopyTo(withNewline);
            withNewline[^1] = (byte)'\n';
            data = withNewline;
        }
        return new ProcessedRecord(ordinal, arrivalMs, key, false, data, key);
    }

    private static IEnumerable<(string, string)> Used(IReadOnlyDictionary<string, string>? keys, IEnumerable<string> names)
    {
        if (keys is null) yield break;
        foreach (var n in names)
            if (keys.TryGetValue(n, out var v)) yield return (n, v);
    }

    public ProcessedRecord Error(long ordinal, long arrivalMs, ReadOnlyMemory<byte> raw, string code, string message, int attempts = 1, string? lambda = null, string? naturalPartition = null)
    {
        var key = prefixes.ErrorPrefix.Evaluate(DateTimeOffset.FromUnixTimeMilliseconds(arrivalMs), null, null, ErrorRecords.ProcessingFailed);
        return new ProcessedRecord(ordinal, arrivalMs, key, true, ErrorRecords.Render(arrivalMs, code, message, raw, time, attempts, lambda), naturalPartition);
    }
}
