namespace Dativo.Streaming.Durability;

/// <summary>One acknowledged record: its position in the log, when it arrived (Unix ms, UTC) and its bytes.</summary>
internal readonly record struct WalEntry(long Seq, long ArrivalMs, ReadOnlyMemory<byte> Data)
{
    /// <summary>The arrival of a marker entry: a note written with the records before it, not a record.</summary>
    public const long MarkerArrival = long.MinValue;

    public bool IsMarker => ArrivalMs == MarkerArrival;
}

/// <summary>The log holds more undelivered bytes than its budget: the put is refused (ServiceUnavailableException).</summary>
internal sealed class WalFullException(string message) : Exception(message);

/// <summary>
/// Entries made durable by one sync, with the owners of their memory (pooled request buffers): the consumer calls
/// <see cref="Release"/> once it no longer reads the entries' data.
/// </summary>
internal sealed class WalGroup(WalEntry[] entries, IDisposable[] owners)
{
    public WalEntry[] Entries { get; } = entries;

    public void Release()
    {
        foreach (var o in owners) o.Dispose();
    }
}
