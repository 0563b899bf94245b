namespace Dativo.Ingestion.Discovery;

/// <summary>What <c>dativo discover</c> found in a job's source: tables (databases) or files (file sources).</summary>
public sealed record DiscoveryResult(string Job, string Source, IReadOnlyList<DiscoveredTable> Tables, IReadOnlyList<DiscoveredFile> Files);

/// <summary>A table or view; <see cref="InJob"/> when the job's <c>source.tables</c> names it.</summary>
public sealed record DiscoveredTable(string Schema, string Name, string Kind, string? Comment, bool InJob, IReadOnlyList<DiscoveredColumn> Columns);

/// <summary>A column: source type as the source spells it, nullability, comment (null when unknown).</summary>
public sealed record DiscoveredColumn(string Name, string Type, bool Nullable, string? Comment = null);

/// <summary>A file with its size, modification time and the columns read from its header (CSV), first records (JSON lines) or schema (Parquet).</summary>
public sealed record DiscoveredFile(string Path, string Format, long Size, DateTimeOffset Modified, IReadOnlyList<DiscoveredColumn> Columns);
