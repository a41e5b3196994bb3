using System.Globalization;
using System.Runtime;

namespace KeepAlive.HeapProbe;

/// <summary>
/// A process's managed heap after two forced, blocking, compacting collections (the bench's measure of memory, docs/BENCHMARKS.md):
/// <see cref="GC.GetTotalMemory"/> and <see cref="GCMemoryInfo.HeapSizeBytes"/>. Written as one line,
/// <c>total=… heap_size=… server_gc=…</c>.
/// </summary>
public sealed record HeapReading(long Total, long HeapSize, bool ServerGc)
{
    public static HeapReading AfterCompactingCollections()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var total = GC.GetTotalMemory(forceFullCollection: true);
        return new HeapReading(total, GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes, GCSettings.IsServerGC);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"total={Total} heap_size={HeapSize} server_gc={ServerGc}");

    /// <exception cref="FormatException">the line is not one <see cref="ToString"/> wrote.</exception>
    public static HeapReading Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(field => field.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length == 2 ? pair[1] : throw new FormatException($"Not a heap reading: '{line}'."));
        string Field(string name) => fields.TryGetValue(name, out var value) ? value : throw new FormatException($"Heap reading without {name}: '{line}'.");
        return new HeapReading(
            long.Parse(Field("total"), CultureInfo.InvariantCulture),
            long.Parse(Field("heap_size"), CultureInfo.InvariantCulture),
            bool.Parse(Field("server_gc")));
    }
}
