using System.IO.Compression;
using System.Text;
using Dativo.Ingestion.Sources.Normalization;
using Dativo.Lake.Storage;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests;

/// <summary>The daily load's normalisation to gzip on real folders: kept, gzipped, unzipped entry by entry, refused.</summary>
public sealed class GzipNormalizerTests
{
    private static string Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return new StreamReader(gz).ReadToEnd();
    }

    [Fact]
    public async Task Zip_entry_names_never_become_paths_outside_the_staging_folder()
    {
        using var dir = new TempDir();
        var zip = dir.File("in/day/evil.zip");
        using (var archive = new ZipArchive(File.Create(zip), ZipArchiveMode.Create))
            foreach (var (name, text) in new[] { ("../../../outside.json", "a\n"), ("/etc/abs.txt", "b\n"), ("x/../../../../up.jsonl", "c\n"), ("..", "d\n"), ("ok.json", "e\n") })
                using (var s = archive.CreateEntry(name).Open()) s.Write(Encoding.UTF8.GetBytes(text));
        var staging = Path.Combine(dir.Path, "staging", "date_str=2021-04-01");

        var results = await GzipNormalizer.NormalizeAsync(ObjectStores.Open(Path.Combine(dir.Path, "in")), ["day/evil.zip"], ObjectStores.Open(staging), "", default);

        var written = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Path.Combine(dir.Path, "in"), StringComparison.Ordinal)).ToList();
        Assert.All(written, f => Assert.Equal(staging, Path.GetDirectoryName(f)));
        Assert.Equal(5, results.Single().Outputs.Count);
        Assert.Null(results.Single().Unsupported);
        Assert.Equal(["a\n", "b\n", "c\n", "d\n", "e\n"], written.Select(Gunzip).Order());
        Assert.DoesNotContain(written, f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public async Task Gz_is_kept_text_is_gzipped_zip_entries_are_gzipped_each_and_others_are_unsupported()
    {
        using var dir = new TempDir();
        const string lines = "{\"test_key1\": \"test_value1\"}\n{\"test_key2\": \"test_value2\"}\n";
        using (var gz = new GZipStream(File.Create(dir.File("in/1.json.gz")), CompressionLevel.Fastest)) gz.Write(Encoding.UTF8.GetBytes(lines));
        File.WriteAllText(dir.File("in/2.json"), lines);
        using (var archive = new ZipArchive(File.Create(dir.File("in/3.zip")), ZipArchiveMode.Create))
            foreach (var name in new[] { "p.json", "q.txt", "r.bin" })
                using (var s = archive.CreateEntry(name).Open()) s.Write(Encoding.UTF8.GetBytes(lines));
        File.WriteAllBytes(dir.File("in/4.bin"), [1, 2, 3]);
        File.WriteAllText(dir.File("in/5.gz"), "not gzip");
        var staging = Path.Combine(dir.Path, "staging");

        var results = await GzipNormalizer.NormalizeAsync(ObjectStores.Open(Path.Combine(dir.Path, "in")), ["1.json.gz", "2.json", "3.zip", "4.bin", "5.gz"], ObjectStores.Open(staging), "", default);

        Assert.Equal([1, 1, 2, 0, 0], results.Select(r => r.Outputs.Count));
        Assert.Contains("r.bin", results[2].Unsupported);
        Assert.Contains("unsupported file type '.bin'", results[3].Unsupported);
        Assert.Contains("gzip signature", results[4].Unsupported);
        Assert.Equal(File.ReadAllBytes(dir.File("in/1.json.gz")), File.ReadAllBytes(Path.Combine(staging, results[0].Outputs[0])));
        var files = Directory.GetFiles(staging).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4, files.Count);
        Assert.All(files, f => Assert.Equal(lines, Gunzip(f)));
        Assert.Equal(results.SelectMany(r => r.Outputs), files.Select(Path.GetFileName)); // names sort in the files' order
    }
}
