using System.Globalization;
using System.Text.Json;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Jq;
using Dativo.Streaming.Prefixes;
using Dativo.Streaming.Runtime;
using Dativo.Streaming.Sources.Kinesis;

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

    private readonly string[] _usedQueryKeys = [.. prefixes.Prefix.QueryKeys.Distinct()];
    private readonly long _granularityMs = prefixes.Prefix.TimeGranularityMs;
    private readonly Dictionary<string, PrefixResult> _cache = new(StringComparer.Ordinal);
    private long _cacheSlot = long.MinValue;
    private readonly KeyValues? _plainKeys = settings.EnableDynamicPartitioning ? jq?.NewKeyValues() : null;
    private char[] _cacheKey = new char[256];

    // where each key the prefix uses sits among the plain query's values (-1: the query does not make it)
    private int[] UsedKeyIndexes => field ??= [.. _usedQueryKeys.Select(n => _plainKeys?.IndexOf(n) ?? -1)];

    public Task<List<ProcessedRecord>> ProcessAsync(IReadOnlyList<WalEntry> entries, CancellationToken ct) => ProcessAsync(entries, null, ct);

    /// <summary>Processes the entries; the ordinals a transformation answered "Dropped" go to <paramref name="dropped"/> when given.</summary>
    public async Task<List<ProcessedRecord>> ProcessAsync(IReadOnlyList<WalEntry> entries, List<long>? dropped, CancellationToken ct)
    {
        var output = new List<ProcessedRecord>(entries.Count);
        var pieces = new List<(long Ordinal, long ArrivalMs, ReadOnlyMemory<byte> Data)>(entries.Count);
        foreach (var e in entries)
        {
            var aggregated = settings.KinesisSource is not null && KplAggregate.IsAggregated(e.Data.Span);
            if (settings.Deaggregation is null && !aggregated)
            {
                pieces.Add((ProcessedRecord.OrdinalOf(e.Seq, 0), e.ArrivalMs, e.Data));
                continue;
            }
            if (!aggregated)
            {
                Deaggregate(e, e.Data, 0, pieces, output);
                continue;
            }
            List<ReadOnlyMemory<byte>> users;
            try
            {
                users = KplAggregate.Split(e.Data);
            }
            catch (DeaggregationException x)
            {
                output.Add(Error(ProcessedRecord.OrdinalOf(e.Seq, 0), e.ArrivalMs, e.Data, ErrorRecords.DeaggregationFailed, x.Message));
                continue;
            }
            // the pieces of all its user records are numbered on, so each keeps its ordinal when the log is replayed
            var mine = new List<(long Ordinal, long ArrivalMs, ReadOnlyMemory<byte> Data)>(users.Count);
            var failed = new List<ProcessedRecord>();
            var sub = 0;
            foreach (var user in users)
            {
                if (settings.Deaggregation is null) mine.Add((ProcessedRecord.OrdinalOf(e.Seq, sub++), e.ArrivalMs, user));
                else sub = Deaggregate(e, user, sub, mine, failed);
            }
            if (sub > Deaggregator.MaxSubRecords)
            {
                output.Add(Error(ProcessedRecord.OrdinalOf(e.Seq, 0), e.ArrivalMs, e.Data, ErrorRecords.DeaggregationFailed,
                    KplAggregate.Bad($"its user records split into more than {Deaggregator.MaxSubRecords} records").Message));
                continue;
            }
            pieces.AddRange(mine);
            output.AddRange(failed);
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
                    case TransformOutcome.Dropped:
                        dropped?.Add(ordinal);
                        break;
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

    /// <summary>
    /// JSON/DELIMITED de-aggregation of one record (a whole log entry, or one user record of a KPL aggregate), its pieces
    /// numbered from <paramref name="sub"/> on; a record that does not split becomes one error record. The next number.
    /// </summary>
    private int Deaggregate(WalEntry e, ReadOnlyMemory<byte> data, int sub, List<(long Ordinal, long ArrivalMs, ReadOnlyMemory<byte> Data)> pieces, List<ProcessedRecord> output)
    {
        try
        {
            var parts = Deaggregator.Split(data, settings.Deaggregation!);
            foreach (var part in parts) pieces.Add((ProcessedRecord.OrdinalOf(e.Seq, sub++), e.ArrivalMs, part));
        }
        catch (DeaggregationException x)
        {
            output.Add(Error(ProcessedRecord.OrdinalOf(e.Seq, sub++), e.ArrivalMs, data, ErrorRecords.DeaggregationFailed, x.Message));
        }
        return sub;
    }

    /// <summary>The record's buffer: its evaluated prefix, or the error prefix when keys are missing or unusable.</summary>
    private ProcessedRecord Route(long ordinal, long arrivalMs, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> raw, IReadOnlyDictionary<string, string>? lambdaKeys)
    {
        if (lambdaKeys is null && _plainKeys is not null && jq!.TryExtractPlain(data.Span, _plainKeys))
        {
            var plain = CachedPrefix(arrivalMs, null, _plainKeys);
            if (plain.ErrorCode is { } failed) return Error(ordinal, arrivalMs, raw, failed, plain.Message!);
            return new ProcessedRecord(ordinal, arrivalMs, plain.Key!, false, data, plain.Key, settings.EnableNewlineAppending);
        }
        Dictionary<string, string>? queryKeys = null;
        if (settings.EnableDynamicPartitioning && jq is not null)
        {
            try
            {
                queryKeys = jq.ExtractPartitionKeys(data.Span);
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
        var prefix = lambdaKeys is null ? CachedPrefix(arrivalMs, queryKeys) : EvaluatePrefix(arrivalMs, queryKeys, lambdaKeys);
        if (prefix.ErrorCode is { } code) return Error(ordinal, arrivalMs, raw, code, prefix.Message!);
        return new ProcessedRecord(ordinal, arrivalMs, prefix.Key!, false, data, prefix.Key, settings.EnableNewlineAppending);
    }

    /// <summary>
    /// The prefix of records without transformation keys, remembered per key values within the time granularity of the
    /// prefix (its text cannot change there), so the records of a put mostly skip formatting and validation. The values
    /// come from the plain query's reused memory (<paramref name="values"/>) or from the evaluator (<paramref name="queryKeys"/>);
    /// either way the lookup takes no string per record.
    /// </summary>
    private PrefixResult CachedPrefix(long arrivalMs, Dictionary<string, string>? queryKeys, KeyValues? values = null)
    {
        var slot = arrivalMs / _granularityMs;
        if (slot != _cacheSlot || _cache.Count >= 10_000)
        {
            _cache.Clear();
            _cacheSlot = slot;
        }
        if (!TryCacheKey(queryKeys, values, out var key)) return EvaluatePrefix(arrivalMs, queryKeys ?? values?.ToDictionary(), null);
        var lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(key, out var result)) lookup[key] = result = EvaluatePrefix(arrivalMs, queryKeys ?? values?.ToDictionary(), null);
        return result;
    }

    /// <summary>
    /// The values of the keys the prefix uses, as one text in reused memory (length-prefixed: no two lists of values give
    /// the same text); false when one of them is missing (the prefix's evaluation words that error).
    /// </summary>
    private bool TryCacheKey(Dictionary<string, string>? queryKeys, KeyValues? values, out ReadOnlySpan<char> key)
    {
        key = default;
        var used = 0;
        for (var k = 0; k < _usedQueryKeys.Length; k++)
        {
            ReadOnlySpan<char> v;
            if (values is not null)
            {
                if (UsedKeyIndexes[k] < 0) return false;
                v = values[UsedKeyIndexes[k]];
            }
            else if (queryKeys is not null && queryKeys.TryGetValue(_usedQueryKeys[k], out var text)) v = text;
            else return false;
            if (_usedQueryKeys.Length == 1)
            {
                key = v;
                return true;
            }
            var needed = used + 12 + v.Length;
            if (needed > _cacheKey.Length) Array.Resize(ref _cacheKey, Math.Max(needed, _cacheKey.Length * 2));
            v.Length.TryFormat(_cacheKey.AsSpan(used), out var digits, provider: CultureInfo.InvariantCulture);
            used += digits;
            _cacheKey[used++] = ':';
            v.CopyTo(_cacheKey.AsSpan(used));
            used += v.Length;
        }
        key = _cacheKey.AsSpan(0, used);
        return true;
    }

    private PrefixResult EvaluatePrefix(long arrivalMs, IReadOnlyDictionary<string, string>? queryKeys, IReadOnlyDictionary<string, string>? lambdaKeys)
    {
        string key;
        try
        {
            key = prefixes.Prefix.Evaluate(DateTimeOffset.FromUnixTimeMilliseconds(arrivalMs), queryKeys, lambdaKeys, null);
        }
        catch (MissingPartitionKeyException x)
        {
            return new PrefixResult(null, ErrorRecords.MissingKey, x.Message);
        }
        foreach (var (name, value) in Used(queryKeys, prefixes.Prefix.QueryKeys).Concat(Used(lambdaKeys, prefixes.Prefix.LambdaKeys)))
        {
            if (StreamPrefixes.RejectPartitionValue(value) is { } why)
                return new PrefixResult(null, ErrorRecords.InvalidPartitionKey, $"partition key '{name}' {why}: it cannot be part of an object key");
        }
        if (key.Length + key.Count(c => c == PrefixTemplate.RandomMarker) * 10 > StreamPrefixes.MaxEvaluatedLength)
            return new PrefixResult(null, ErrorRecords.PrefixTooLong, $"the evaluated prefix is longer than {StreamPrefixes.MaxEvaluatedLength} characters");
        return new PrefixResult(key, null, null);
    }

    private readonly record struct PrefixResult(string? Key, string? ErrorCode, string? Message);

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
