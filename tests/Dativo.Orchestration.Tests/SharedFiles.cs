using Dativo.Testing;

namespace Dativo.Orchestration.Tests;

/// <summary>The shared reference folder (next to the repository, or next to its worktree folder).</summary>
internal static class SharedFiles
{
    public static string Root { get; } =
        new[] { Repo.Shared, Path.GetFullPath(Path.Combine(Repo.Root, "..", "..", "shared")) }.FirstOrDefault(Directory.Exists) ?? Repo.Shared;

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);
}
