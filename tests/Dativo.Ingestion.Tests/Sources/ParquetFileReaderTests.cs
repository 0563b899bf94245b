using Dativo.Ingestion.Sources.Files;
using Dativo.Lake.Engine;
using Dativo.Lake.Storage;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.Sources;

public sealed class ParquetFileReaderTests
{
    [Fact]
    public async Task Batches_carry_all_rows_in_order_and_share_out_the_file_s_bytes()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "rows.parquet");
        await using (var engine = await DuckDbEngine.OpenAsync(threads: 1))
            await engine.ExecuteAsync($"COPY (SELECT i AS id, 'v' || i AS name FROM range(2500) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000)");
        var size = new FileInfo(path).Length;
        var file = new SourceFileRef(ObjectStores.Open(dir.Path), "rows.parquet", path, "rows.parquet", size, DateTimeOffset.UnixEpoch, null, "parquet");

        var batches = new List<(int Count, long Bytes, long FirstId, long FirstPosition)>();
        await foreach (var b in ParquetFileReader.ReadAsync(file, 1000, CancellationToken.None))
            batches.Add((b.Count, b.Bytes, (long)b.Columns[0][0]!, b.Positions[0]));

        Assert.Equal([1000, 1000, 500], batches.Select(b => b.Count));
        Assert.Equal([0L, 1000L, 2000L], batches.Select(b => b.FirstId));
        Assert.Equal([1L, 1001L, 2001L], batches.Select(b => b.FirstPosition));
        Assert.Equal(size, batches.Sum(b => b.Bytes)); // progress reaches the file's size, not size × batches
        Assert.All(batches, b => Assert.InRange(b.Bytes, 1, size));
    }
}
