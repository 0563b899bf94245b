using System.Text.RegularExpressions;
using Dativo.Core.Config.Jobs;

namespace Dativo.Core.Tags;

/// <summary>AWS tag limits: at most 50 tags, key ≤ 128 and value ≤ 256 characters, allowed characters, no aws: prefix.</summary>
public static partial class TagRules
{
    public const int MaxTags = 50;

    public static IEnumerable<string> Violations(OrderedTags tags)
    {
        if (tags.Count > MaxTags)
            yield return $"{tags.Count} infrastructure tags, AWS allows at most {MaxTags}; remove some from infrastructure.metadata.tags or the contract";
        foreach (var (key, value) in tags)
        {
            if (key.Length is 0 or > 128) yield return $"tag key '{key}' must be 1 to 128 characters (it has {key.Length})";
            if (value.Length > 256) yield return $"tag '{key}': value must be at most 256 characters (it has {value.Length})";
            if (!Allowed().IsMatch(key)) yield return $"tag key '{key}' has characters AWS rejects; allowed: letters, digits, spaces and _ . : / = + - @";
            if (!Allowed().IsMatch(value)) yield return $"tag '{key}': value '{value}' has characters AWS rejects; allowed: letters, digits, spaces and _ . : / = + - @";
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)) yield return $"tag key '{key}' uses the reserved prefix 'aws:'";
        }
    }

    internal static void Check(LoadedJob job, JobLoader.Context ctx)
    {
        if (job.Config.Infrastructure is null) return;
        foreach (var v in Violations(InfrastructureTags.Derive(job)))
            ctx.Error(job.Config.Infrastructure?.Metadata?.Tags is null ? "" : "infrastructure.metadata.tags", v);
    }

    [GeneratedRegex(@"^[\p{L}\p{N}\p{Zs}_.:/=+\-@]*$")]
    private static partial Regex Allowed();
}
