using Dativo.Core.Config.Yaml;
using YamlDotNet.RepresentationModel;

namespace Dativo.Core.Config.Jobs;

/// <summary>
/// The job files of a folder (<c>--job-dir</c>): every *.yaml / *.yml below it that is a job. Data contracts, connector
/// recipes and other YAML kept beside the jobs are skipped, each with the reason, instead of failing as broken jobs.
/// </summary>
public static class JobFiles
{
    public sealed record Skipped(string File, string Reason);

    public static (List<string> Jobs, List<Skipped> Skipped) Find(string dir)
    {
        if (!Directory.Exists(dir)) throw new Errors.DativoException($"job folder not found: {dir}");
        var files = Directory.EnumerateFiles(dir, "*.yaml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(dir, "*.yml", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal).ToList();
        var jobs = new List<string>();
        var skipped = new List<Skipped>();
        foreach (var f in files)
        {
            if (NotAJob(f) is { } reason) skipped.Add(new Skipped(f, reason));
            else jobs.Add(f);
        }
        if (jobs.Count == 0)
            throw new Errors.DativoException($"no job files under {dir}" + (skipped.Count == 0 ? " (no *.yaml or *.yml)"
                : $": {string.Join("; ", skipped.Select(s => $"{Path.GetRelativePath(dir, s.File)} is {s.Reason}"))}"));
        return (jobs, skipped);
    }

    /// <summary>Why a YAML file is not a job, or null when it is one (or cannot be read: then loading it reports why).</summary>
    public static string? NotAJob(string file)
    {
        YamlMappingNode root;
        try
        {
            if (YamlFile.Load(file) is not YamlMappingNode map) return null;
            root = map;
        }
        catch (Errors.DativoException)
        {
            return null;
        }
        var keys = root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").ToHashSet(StringComparer.Ordinal);
        if (keys.Overlaps(["tenant_id", "asset_path", "source_connector", "source_connector_path", "target_connector", "target_connector_path"]))
            return null;
        if (Scalar(root, "kind") == "DataContract" || keys.Contains("apiVersion") || keys.Contains("schema")
            || root.Children.TryGetValue(new YamlScalarNode("asset"), out var asset) && asset is YamlMappingNode)
            return "an ODCS data contract, not a job";
        if (keys.Contains("roles") || keys.Contains("connection_template"))
            return "a connector recipe, not a job";
        if (keys.Contains("tasks"))
            return "a pipeline, not a job (run it with `dativo pipeline run`)";
        return "not a job: it has neither tenant_id nor asset_path";
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
}
