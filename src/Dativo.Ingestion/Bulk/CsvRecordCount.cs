using System.Buffers;

namespace Dativo.Ingestion.Bulk;

/// <summary>
/// Counts the records of a CSV file as the row path's parser sees them (quoted fields may hold newlines; blank lines are
/// no records; LF, CRLF or CR ends a record), from its bytes, without decoding. The bulk path compares it with the rows
/// DuckDB read: DuckDB's reader silently returns nothing for a record longer than its buffer (~32 MB), so a file is
/// only taken when both agree.
/// </summary>
internal static class CsvRecordCount
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Records in <paramref name="stream"/> (which it reads to the end), the header not counted when <paramref name="header"/>.</summary>
    public static async Task<long> CountAsync(Stream stream, byte quote, bool header, CancellationToken ct)
    {
        var outside = SearchValues.Create(quote, (byte)'\n', (byte)'\r');
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long records = 0;
            var inQuote = false;
            var content = false; // the current record has a byte that is not a line break
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ChunkBytes), ct).ConfigureAwait(false)) > 0)
                records += Scan(buffer.AsSpan(0, read), quote, outside, ref inQuote, ref content);
            if (content) records++;
            return header ? Math.Max(0, records - 1) : records;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Records ended within <paramref name="span"/>; the quote and content state carries over to the next chunk.</summary>
    private static long Scan(ReadOnlySpan<byte> span, byte quote, SearchValues<byte> outside, ref bool inQuote, ref bool content)
    {
        long ended = 0;
        while (!span.IsEmpty)
        {
            int i;
            if (inQuote)
            {
                // a doubled quote inside a quoted field closes and at once reopens it: the count is the same
                i = span.IndexOf(quote);
                if (i < 0) return ended;
                inQuote = false;
                span = span[(i + 1)..];
                continue;
            }
            i = span.IndexOfAny(outside);
            if (i < 0)
            {
                content = true;
                return ended;
            }
            if (i > 0) content = true;
            var b = span[i];
            span = span[(i + 1)..];
            if (b == quote)
            {
                inQuote = true;
                content = true;
            }
            else if (content)
            {
                ended++;
                content = false;
            }
        }
        return ended;
    }
}
