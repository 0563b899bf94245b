namespace Dativo.Streaming.Durability;

/// <summary>One acknowledged record: its position in the log, when it arrived (Unix ms, UTC) and its bytes.</summary>
internal readonly record struct WalEntry(long Seq, long ArrivalMs, ReadOnlyMemory<byte> Data);

/// <summary>The log holds more undelivered bytes than its budget: the put is refused (ServiceUnavailableException).</summary>
internal sealed class WalFullException(string message) : Exception(message);
