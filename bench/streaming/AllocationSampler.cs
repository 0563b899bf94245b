using System.Diagnostics.Tracing;

/// <summary>
/// `--alloc`: samples the runtime's allocation ticks (one per ~100 KB allocated) and prints the types that allocate
/// most, to find what the hot path still allocates.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly Dictionary<string, long> _bytes = [];
    private bool _on;
    [ThreadStatic] private static bool t_inside; // formatting below rents from a pool: its own events are not counted

    public void Start()
    {
        lock (_bytes) _bytes.Clear();
        _on = true;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC
        if (source.Name == "System.Buffers.ArrayPoolEventSource") EnableEvents(source, EventLevel.Informational);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || t_inside || e.EventName is null || e.PayloadNames is null) return;
        t_inside = true;
        try { Count(e); }
        finally { t_inside = false; }
    }

    private void Count(EventWrittenEventArgs e)
    {
        if (e.Payload is null || e.PayloadNames is null) return;
        if (e.EventName == "BufferAllocated")
        {
            // a rent the pool could not serve (reason 0 = pooled size, 1 = over the pool's maximum, 2 = pool exhausted)
            var size = Convert.ToInt64(e.Payload![e.PayloadNames.IndexOf("bufferSize")], System.Globalization.CultureInfo.InvariantCulture);
            var key = $"ArrayPool miss {size} reason {e.Payload[e.PayloadNames.IndexOf("reason")]}";
            lock (_bytes) _bytes[key] = _bytes.GetValueOrDefault(key) + size;
            return;
        }
        if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true) return;
        var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        if (e.PayloadNames.IndexOf("ObjectSize") is var at and >= 0 && type.EndsWith("[]", StringComparison.Ordinal))
            type += $" of ~{1L << (int)Math.Ceiling(Math.Log2(Math.Max(1, Convert.ToInt64(e.Payload[at], System.Globalization.CultureInfo.InvariantCulture))))} bytes";
        var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
        lock (_bytes) _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
    }

    public void Print()
    {
        lock (_bytes)
            foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(25))
                Console.WriteLine($"    {bytes / 1048576.0,8:0} MiB  {type}");
    }
}
