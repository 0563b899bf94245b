using System.Reflection;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Temporary bridge to the lake's manifest writers, which are internal to Dativo.Lake until its public
/// table API (append with snapshot summary) lands; then <see cref="IcebergTarget"/> switches to that and this file goes.
/// </summary>
internal static class LakeManifests
{
    private static readonly Assembly Lake = typeof(DataFile).Assembly;
    private static readonly Type Writer = Lake.GetType("Dativo.Lake.Iceberg.Manifests.ManifestWriter", throwOnError: true)!;
    private static readonly Type List = Lake.GetType("Dativo.Lake.Iceberg.Manifests.ManifestListFile", throwOnError: true)!;

    public static byte[] WriteManifest(IcebergSchema schema, PartitionSpec spec, IEnumerable<ManifestEntry> entries) =>
        (byte[])Writer.GetMethod("Write", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [schema, spec, ManifestContent.Data, entries])!;

    public static byte[] WriteList(long snapshotId, long? parentSnapshotId, long sequenceNumber, IEnumerable<ManifestFile> manifests) =>
        (byte[])List.GetMethod("Write", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [snapshotId, parentSnapshotId, sequenceNumber, manifests])!;

    public static IReadOnlyList<ManifestFile> ReadList(Stream avro) =>
        (IReadOnlyList<ManifestFile>)List.GetMethod("Read", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [avro])!;
}
