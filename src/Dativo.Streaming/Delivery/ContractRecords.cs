using System.Runtime.CompilerServices;
using System.Text.Json;
using Dativo.Core.Contracts;
using Dativo.Core.Errors;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Ingestion.Sources.Files;

namespace Dativo.Streaming.Delivery;

/// <summary>Records that did not fit the contract, by their index in the input, with Firehose's error code.</summary>
internal sealed record ConvertedRows(ColumnBatch Rows, IReadOnlyList<ConversionFailure> Failures);

internal sealed record ConversionFailure(int Index, string Code, string Message);

/// <summary>
/// JSON records → columns of an ODCS contract, exactly as <c>dativo run</c> reads a JSON lines file: the ingestion's
/// JSON lines reader (numbers keep their text, nested values become JSON text, a key given twice ignoring case is
/// refused) and its coercer (the contract's types, required fields, decimal ranges). A record that is not one JSON
/// object, or whose values do not fit, is a failure with Firehose's data-format-conversion error code.
/// </summary>
internal sealed class ContractRecords
{
    public const string ParseError = "DataFormatConversion.ParseError";
    public const string MalformedData = "DataFormatConversion.MalformedData";

    /// <summary>Rows per column batch (one Parquet row group each), as ingestion writes them.</summary>
    public const int BatchRows = Ingestion.Targets.IcebergTarget.RowGroupRows;

    private const string Source = "record";

    private readonly DataContract _contract;

    private ContractRecords(DataContract contract, TargetSchema schema)
    {
        _contract = contract;
        Schema = schema;
    }

    /// <summary>The contract's columns, in its order (types mapped as ingestion maps them).</summary>
    public static ContractRecords For(DataContract contract, string stream)
    {
        try
        {
            return new ContractRecords(contract, TargetSchema.ForContract(contract));
        }
        catch (DativoException e)
        {
            throw new DativoException($"stream '{stream}': record_format_conversion.contract {contract.File}: {e.Message}");
        }
    }

    /// <summary>The same contract coerced into <paramref name="aligned"/> (the contract aligned to an existing table's field ids).</summary>
    public ContractRecords WithSchema(TargetSchema aligned) => new(_contract, aligned);

    public TargetSchema Schema { get; }

    public DataContract Contract => _contract;

    /// <summary>Converts <paramref name="records"/> in batches of at most <see cref="BatchRows"/> records, in their order.</summary>
    public async IAsyncEnumerable<ConvertedRows> ConvertAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, [EnumeratorCancellation] CancellationToken ct)
    {
        for (var start = 0; start < records.Count; start += BatchRows)
        {
            var count = Math.Min(BatchRows, records.Count - start);
            yield return await ConvertBatchAsync(records, start, count, ct).ConfigureAwait(false);
        }
    }

    private async Task<ConvertedRows> ConvertBatchAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, int start, int count, CancellationToken ct)
    {
        var failures = new List<ConversionFailure>();
        // record i is line i + 1 of the text the reader gets; a line left empty is a record that already failed
        var text = new MemoryStream();
        for (var i = 0; i < count; i++)
        {
            var line = OneLine(records[start + i].Span, out var failure);
            if (failure is not null) failures.Add(new ConversionFailure(start + i, failure.Value.Code, failure.Value.Message));
            else text.Write(line);
            text.WriteByte((byte)'\n');
        }
        text.Position = 0;
        var output = new ColumnBatch(Schema, count);
        var rows = 0;
        var seen = new bool[count];
        await foreach (var raw in JsonLinesReader.ReadAsync(text, Source, count, ct).ConfigureAwait(false))
        {
            foreach (var r in raw.SourceRejections)
            {
                var (code, message) = r switch
                {
                    { Reason: JsonLinesReader.DuplicateKey } => (MalformedData, $"Data does not match the schema: {r.RawValue}"),
                    { RawValue: "not an object" } => (MalformedData, "the record is JSON but not an object; a contract's record is a JSON object"),
                    _ => (ParseError, $"the record is not valid JSON: {r.RawValue}"),
                };
                seen[r.Position - 1] = true;
                failures.Add(new ConversionFailure(start + (int)r.Position - 1, code, message));
            }
            for (var k = 0; k < raw.Count; k++) seen[raw.Positions[k] - 1] = true;
            rows += Ambiguous(raw) ? CoercePerRecord(raw, output, rows, failures, start) : Coerce(raw, output, rows, failures, start);
        }
        for (var i = 0; i < count; i++)
            if (!seen[i] && !failures.Any(f => f.Index == start + i))
                failures.Add(new ConversionFailure(start + i, MalformedData, "the record is empty or only whitespace"));
        output.Count = rows;
        failures.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new ConvertedRows(output, failures);
    }

    /// <summary>Coerces the reader's batch into <paramref name="output"/> from row <paramref name="at"/>; returns the rows kept.</summary>
    private int Coerce(RawBatch raw, ColumnBatch output, int at, List<ConversionFailure> failures, int start)
    {
        var batch = new ColumnBatch(Schema, raw.Count);
        var rejections = new List<Rejection>();
        new Coercer(Schema, default).Coerce(raw, batch, rejections);
        foreach (var r in rejections.GroupBy(r => r.Position).Select(g => g.First()))
            failures.Add(new ConversionFailure(start + (int)r.Position - 1, MalformedData, Describe(r)));
        for (var c = 0; c < batch.Data.Length; c++) Array.Copy(batch.Data[c], 0, output.Data[c], at, batch.Count);
        return batch.Count;
    }

    /// <summary>
    /// The coercer matches a contract column to a key by name, exactly, else ignoring case, over the keys of the whole
    /// batch; records that spell one column differently (<c>id</c>, <c>ID</c>) are then coerced one by one, so each
    /// record fits or fails on its own keys, whatever its neighbours hold.
    /// </summary>
    private bool Ambiguous(RawBatch raw) =>
        Schema.Columns.Any(c => raw.Names.Count(n => string.Equals(n, c.Name, StringComparison.OrdinalIgnoreCase)) > 1);

    private int CoercePerRecord(RawBatch raw, ColumnBatch output, int at, List<ConversionFailure> failures, int start)
    {
        var kept = 0;
        for (var row = 0; row < raw.Count; row++)
        {
            var names = new List<string>();
            var values = new List<object?[]>();
            for (var c = 0; c < raw.Names.Count; c++)
            {
                if (raw.Value(c, row) is not { } v) continue;
                names.Add(raw.Names[c]);
                values.Add([v]);
            }
            var one = new RawBatch(names, [.. values], [raw.Positions[row]], 1, raw.Source);
            kept += Coerce(one, output, at + kept, failures, start);
        }
        return kept;
    }

    private string Describe(Rejection r) => "Data does not match the schema: " + r.Reason switch
    {
        Rejection.MissingRequired => $"contract {_contract.Name} requires field '{r.Field}'",
        Rejection.TypeMismatch => $"field '{r.Field}' is not a {Schema.Columns[Schema.IndexOf(r.Field)].Kind.ToString().ToLowerInvariant()}: {r.RawValue}",
        Rejection.OutOfRange => $"field '{r.Field}' is out of range for its contract type: {r.RawValue}",
        _ => $"field '{r.Field}': {r.Reason}",
    };

    /// <summary>
    /// The record as one line for the JSON lines reader. CR and LF can only be whitespace in valid JSON, so a record
    /// holding them is rewritten compactly; one that is not valid JSON fails here.
    /// </summary>
    private static ReadOnlySpan<byte> OneLine(ReadOnlySpan<byte> record, out (string Code, string Message)? failure)
    {
        failure = null;
        var trimmed = record.TrimEnd("\r\n"u8);
        if (trimmed.IndexOfAny((byte)'\r', (byte)'\n') < 0) return trimmed;
        try
        {
            using var doc = JsonDocument.Parse(trimmed.ToArray());
            var compact = new MemoryStream();
            using (var w = new Utf8JsonWriter(compact)) doc.RootElement.WriteTo(w);
            return compact.ToArray();
        }
        catch (JsonException e)
        {
            failure = (ParseError, $"the record is not valid JSON: {e.Message.Split('.')[0]}");
            return default;
        }
    }
}
