using System.Text.RegularExpressions;
using Dativo.Testing;

namespace Dativo.Core.Tests;

/// <summary>Copies a Dativo acceptance case (tests/fixtures/dativo-cases) into a temp folder, pointing its paths at the copies.</summary>
internal static partial class CaseFiles
{
    public static string Dir(string caseName) => Repo.Fixture("dativo-cases", caseName);

    /// <summary>Writes job.yaml (connector paths to /app/... removed: the recipes are built in) and asset.yaml into <paramref name="tmp"/>.</summary>
    public static string Prepare(TempDir tmp, string caseName)
    {
        var job = File.ReadAllText(Path.Combine(Dir(caseName), "job.yaml"));
        job = ConnectorPath().Replace(job, "");
        job = AssetPath().Replace(job, "asset_path: asset.yaml");
        File.Copy(Path.Combine(Dir(caseName), "asset.yaml"), Path.Combine(tmp.Path, "asset.yaml"));
        return tmp.File("job.yaml", job);
    }

    public static SortedDictionary<string, string> ExpectedProperties(string caseName) =>
        new(File.ReadAllLines(Path.Combine(Dir(caseName), "expected_iceberg_table_properties.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]), StringComparer.Ordinal);

    [GeneratedRegex(@"(?m)^\s*(source|target)_connector_path:.*\n")]
    private static partial Regex ConnectorPath();

    [GeneratedRegex(@"(?m)^asset_path:.*$")]
    private static partial Regex AssetPath();
}
