using Dativo.Testing;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>Finds the shared interop fixtures (../shared from the repo, or an ancestor's shared folder for worktrees).</summary>
internal static class Interop
{
    public static string? Root { get; } = Find();

    public static string Path_(string relative) => System.IO.Path.Combine(Root ?? "/nonexistent", relative);

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("DATIVO_SHARED");
        if (env is not null && Directory.Exists(System.IO.Path.Combine(env, "cases", "iceberg-interop")))
            return System.IO.Path.Combine(env, "cases", "iceberg-interop");
        for (var dir = new DirectoryInfo(Repo.Root); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "cases", "iceberg-interop");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}
