using Dativo.Testing;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>Iceberg tables written by Spark, Iceberg Java and Athena (tests/fixtures/iceberg-interop).</summary>
internal static class Interop
{
    public static string Root => Repo.Fixture("iceberg-interop");

    public static string Path_(string relative) => Repo.Fixture("iceberg-interop", relative);
}
