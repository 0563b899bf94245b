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

    /// <summary>
    /// Records in <paramref name="stream"/> (which it reads to the end), the header not counted when <paramref name="header"/>;
    /// and whether it holds a NUL byte (a NUL character in UTF-8), which DuckDB keeps and the row path refuses.
    /// </summary>
    public static async Task<(long Records, bool HasNul)> CountAsync(Stream stream, byte quote, bool header, CancellationToken ct)
    {
        var quoteOrCr = SearchValues.Create(quote, (byte)'\r');
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long records = 0;
            var inQuote = false;
            var content = false; // the current record has a byte that is not a line break
            var hasNul = false;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ChunkBytes), ct).ConfigureAwait(false)) > 0)
            {
                records += Scan(buffer.AsSpan(0, read), quote, quoteOrCr, ref inQuote, ref content);
                hasNul = hasNul || buffer.AsSpan(0, read).Contains((byte)0);
            }
            if (content) records++;
            return (header ? Math.Max(0, records - 1) : records, hasNul);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Records ended within <paramref name="span"/>; the quote and content state carries over to the next chunk.</summary>
    private static long Scan(ReadOnlySpan<byte> span, byte quote, SearchValues<byte> quoteOrCr, ref bool inQuote, ref bool content)
    {
        long ended = 0;
        while (!span.IsEmpty)
        {
            if (inQuote)
            {
                // a doubled quote inside a quoted field closes and at once reopens it: the count is the same
                var close = span.IndexOf(quote);
                if (close < 0) return ended;
                inQuote = false;
                span = span[(close + 1)..];
                continue;
            }
            // up to the next quote or CR only LFs end records: counted a whole stretch at a time
            var stop = span.IndexOfAny(quoteOrCr);
            ended += LineFeedRecords(stop < 0 ? span : span[..stop], ref content);
            if (stop < 0) return ended;
            var b = span[stop];
            span = span[(stop + 1)..];
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

    /// <summary>Records ended in <paramref name="plain"/> (no quote, no CR): each LF that follows a byte of its record (blank lines are none).</summary>
    private static long LineFeedRecords(ReadOnlySpan<byte> plain, ref bool content)
    {
        if (plain.IsEmpty) return 0;
        long lineFeeds = plain.Count((byte)'\n');
        if (lineFeeds == 0)
        {
            content = true;
            return 0;
        }
        long blank = plain[0] == '\n' && !content ? 1 : 0;
        for (var at = plain.IndexOf("\n\n"u8); at >= 0;)
        {
            blank++;
            var next = plain[(at + 1)..].IndexOf("\n\n"u8);
            at = next < 0 ? -1 : at + 1 + next;
        }
        content = plain[^1] != '\n';
        return lineFeeds - blank;
    }
}
