using System.Text;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Tags;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Opens the warehouse store of a job. On S3 every object written (data files, manifests, metadata, quarantine) carries
/// the job's infrastructure tags: as S3 object tags — at most 10, chosen in <see cref="TagPriority"/> order, then the
/// remaining tags in their derived order — and all of them as user metadata <c>x-amz-meta-dativo-tags</c> (compact
/// <c>key=value;…</c>, cut at S3's 2 KB metadata limit).
/// </summary>
internal static class TargetStores
{
    public const int MaxObjectTags = 10;
    public const string MetadataKey = "dativo-tags";

    /// <summary>Governance first: who owns it, what it is, how sensitive, how long it is kept.</summary>
    public static readonly string[] TagPriority =
        ["TenantId", "Asset", "Domain", "Owner", "DataClassification", "RetentionDays", "Regulations", "Environment", "DataProduct", "EncryptionRequired"];

    public static IObjectStore Open(LoadedJob job, string warehouse)
    {
        if (!warehouse.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && !warehouse.StartsWith("s3a://", StringComparison.OrdinalIgnoreCase))
            return ObjectStores.Open(warehouse);
        var (tags, metadata) = S3Tags(job);
        return ObjectStores.Open(warehouse, new ObjectStoreOptions { ObjectTags = tags, ObjectMetadata = metadata });
    }

    /// <summary>The object tags (≤ 10, sanitised to S3's character set) and the user metadata of a job's objects.</summary>
    public static (Dictionary<string, string> Tags, Dictionary<string, string> Metadata) S3Tags(LoadedJob job)
    {
        var all = InfrastructureTags.Derive(job).ToList();
        var ordered = TagPriority.SelectMany(k => all.Where(t => t.Key == k))
            .Concat(all.Where(t => !TagPriority.Contains(t.Key, StringComparer.Ordinal)));
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in ordered)
        {
            if (tags.Count == MaxObjectTags) break;
            tags[Clean(k, 128)] = Clean(v, 256);
        }
        var text = new StringBuilder();
        foreach (var (k, v) in all)
        {
            var part = new string([.. $"{k}={v};".Select(c => c is >= ' ' and <= '~' ? c : '?')]); // header values are ASCII
            if (text.Length + part.Length > 1800) break; // stay under the 2 KB of user metadata with the key and other entries
            text.Append(part);
        }
        return (tags, new Dictionary<string, string>(StringComparer.Ordinal) { [MetadataKey] = text.ToString().TrimEnd(';') });
    }

    /// <summary>S3 tag text: letters, digits, spaces and + - = . _ : / @; anything else becomes '_'.</summary>
    private static string Clean(string s, int max)
    {
        var b = new StringBuilder(Math.Min(s.Length, max));
        foreach (var c in s.Length > max ? s[..max] : s)
            b.Append(char.IsLetterOrDigit(c) || c is ' ' or '+' or '-' or '=' or '.' or '_' or ':' or '/' or '@' ? c : '_');
        return b.ToString();
    }
}
