using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.State;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// Which listed files an incremental run reads, and from where: a new file whole; a file whose size, modification time and
/// etag match its marker not at all; a file that changed since it was ingested only when what was ingested is still its
/// beginning (same SHA-256 of the first <see cref="FileMarker.Size"/> bytes): then from there, the rows appended since.
/// Any other change fails the run before anything is read — the rows already loaded cannot be told from the new ones.
/// </summary>
internal static class FileChanges
{
    public static async Task<List<SourceFileRef>> PendingAsync(LoadedJob job, IReadOnlyList<SourceFileRef> files, SourceState state,
        Func<SourceFileRef, string> formatOf, Func<SourceFileRef, bool> gzipped, CancellationToken ct)
    {
        var todo = new List<SourceFileRef>();
        var problems = new List<string>();
        foreach (var f in files)
        {
            if (!state.Files.TryGetValue(f.Path, out var m)) { todo.Add(f); continue; }
            if (m.Size == f.Size && m.Modified == f.Modified && m.ETag == f.ETag) continue;
            var (file, problem) = await CompareAsync(f, m, formatOf(f), gzipped(f), ct).ConfigureAwait(false);
            if (problem is not null) problems.Add($"{f.Path}: {problem}");
            else if (file is not null) todo.Add(file);
        }
        if (problems.Count > 0) throw new DativoException(Message(job, problems));
        return todo;
    }

    /// <summary>The rest of a grown file to read, nothing (same content), or why the change cannot be ingested.</summary>
    private static async Task<(SourceFileRef? File, string? Problem)> CompareAsync(SourceFileRef f, FileMarker m, string format, bool gzipped, CancellationToken ct)
    {
        var ingested = $"ingested earlier with {m.Size:N0} bytes, it now has {f.Size:N0}";
        if (m.Hash is null)
            return (null, $"{ingested} (or a new modification time), and the job state, written by an older version, holds no hash of what was ingested to tell appended rows from changed ones");
        if (f.Size < m.Size) return (null, $"{ingested}: it was truncated or rewritten");
        var prefix = await PrefixAsync(f, m.Size, ct).ConfigureAwait(false);
        if (prefix.Bytes != m.Size || prefix.Text != m.Hash)
            return (null, $"{ingested}, and its first {m.Size:N0} bytes are no longer those ingested: it was rewritten or edited in place");
        if (f.Size == m.Size) return (null, null); // touched (or copied again) with the same content
        if (format is not ("csv" or "jsonl") || gzipped)
            return (null, $"{ingested}: bytes were appended to a {(gzipped ? "gzip" : format)} file, which only CSV and JSON lines files can take");
        if (prefix.LastByte is not ('\n' or '\r') && await FirstByteAsync(f, m.Size, ct).ConfigureAwait(false) is not ('\n' or '\r'))
            return (null, $"{ingested}: its last line, ingested before, was continued (the appended bytes do not start on a new line)");
        return (f with { Offset = m.Size, FirstLine = prefix.LineFeeds + 1, Hash = prefix }, null);
    }

    private static async Task<ContentHash> PrefixAsync(SourceFileRef f, long length, CancellationToken ct)
    {
        await using var s = await f.Store.OpenReadAsync(f.Key, ct).ConfigureAwait(false);
        return await ContentHash.OfAsync(s, length, ct).ConfigureAwait(false);
    }

    private static async Task<int> FirstByteAsync(SourceFileRef f, long offset, CancellationToken ct)
    {
        await using var s = await FileRangeStream.OpenAsync(await f.Store.OpenReadAsync(f.Key, ct).ConfigureAwait(false), offset, offset + 1, null, ct).ConfigureAwait(false);
        var one = new byte[1];
        return await s.ReadAsync(one, ct).ConfigureAwait(false) == 1 ? one[0] : -1;
    }

    private static string Message(LoadedJob job, List<string> problems) =>
        $"{job.File}: {(problems.Count == 1 ? "a file" : $"{problems.Count} files")} changed since {(problems.Count == 1 ? "it was" : "they were")} ingested, " +
        $"in a way that is not rows appended at the end, so the new rows cannot be told from those already loaded; nothing was read or committed:\n  " +
        string.Join("\n  ", problems) + "\n" +
        "Restore the ingested content and append new rows at the end, or write changed and new rows to a new file (a new name is read whole). " +
        $"To load a file again whole anyway (its rows already in the table would load twice), remove its entry from the job state, the table " +
        $"property dativo.state.{job.Config.TenantId}.{job.Name} (dativo table properties NAMESPACE.TABLE lists it, --set changes it)";
}
