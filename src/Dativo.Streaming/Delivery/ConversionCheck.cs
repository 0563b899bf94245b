using Dativo.Streaming.Buffering;
using Dativo.Streaming.Prefixes;
using Dativo.Streaming.Processing;

namespace Dativo.Streaming.Delivery;

/// <summary>
/// With record_format_conversion, each record is checked against the contract before it is buffered: one that does not
/// fit goes to the error prefix with <c>!{firehose:error-output-type}</c> = <c>format-conversion-failed</c> and a
/// <c>DataFormatConversion.*</c> code (Firehose's codes), never dropped. Deciding per record when it arrives keeps a
/// buffer all-convertible, so its Parquet file or commit cannot fail on one record, and the delivery log's ranges stay
/// exact.
/// </summary>
internal sealed class ConversionCheck(ContractRecords records, PrefixTemplate errorPrefix, TimeProvider time)
{
    public const string ErrorOutputType = "format-conversion-failed";

    /// <summary>Replaces, in place, each record that does not fit the contract by its error record.</summary>
    public async Task CheckAsync(List<ProcessedRecord> processed, CancellationToken ct)
    {
        var data = new List<int>(processed.Count);
        for (var i = 0; i < processed.Count; i++)
            if (!processed[i].IsError) data.Add(i);
        if (data.Count == 0) return;
        var input = data.ConvertAll(i => processed[i].Data);
        await foreach (var converted in records.ConvertAsync(input, ct).ConfigureAwait(false))
        {
            foreach (var f in converted.Failures)
            {
                var r = processed[data[f.Index]];
                var key = errorPrefix.Evaluate(DateTimeOffset.FromUnixTimeMilliseconds(r.ArrivalMs), null, null, ErrorOutputType);
                // no natural partition: its partition's buffer goes on without it, so that buffer's delivered range
                // (in the delivery log or a table's snapshot) spans this ordinal and must not count it as delivered
                processed[data[f.Index]] = new ProcessedRecord(r.Ordinal, r.ArrivalMs, key, true,
                    ErrorRecords.Render(r.ArrivalMs, f.Code, f.Message, r.Data, time), NaturalPartition: null);
            }
        }
    }

    /// <summary>Records were checked when they arrived, by the same code: a misfit at delivery is a defect, never a silent drop.</summary>
    public static void EnsureNoMisfits(ConvertedRows converted, PartitionBuffer buffer)
    {
        if (converted.Failures.Count == 0) return;
        var f = converted.Failures[0];
        throw new InvalidOperationException(
            $"buffer {buffer.Key} (ordinals {buffer.FirstOrdinal}..{buffer.LastOrdinal}): a record checked against the contract when it arrived failed at delivery ({f.Code}: {f.Message})");
    }
}
