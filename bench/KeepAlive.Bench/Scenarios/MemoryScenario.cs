using System.Diagnostics;
using System.Runtime;
using Akka.Actor;
using KeepAlive.Actors;
using KeepAlive.Actors.Providers;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Bench.Infrastructure;
using static KeepAlive.Actors.Providers.ProviderProtocol;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// Figure 4 of docs/BENCHMARKS.md: managed heap per idle pair at 100,000 pairs (keep_alive 1h, so none is due during the run),
/// after a full compacting GC before and after registering them; and the process's peak RSS.
/// </summary>
public static class MemoryScenario
{
    private const int WarmUpPairs = 1_000;
    private const int PairCount = 100_000;
    // Bursts of 10,000 new entities made the remember-entities store time out (docs/BENCHMARKS.md).
    private const int Window = 1_000;

    public static async Task RunAsync()
    {
        Report.Header($"memory: {PairCount:N0} idle pairs (keep_alive 1h), Redis store");
        await using var redis = await RedisServer.StartAsync();
        // Declared before the node, so it is disposed after it: the scheduler may still write while the node stops.
        using var connection = await RedisConnection.ConnectAsync(redis.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using var node = await BenchNode.StartAsync(new RedisScheduleStore(connection, "keepalive"));
        // 100 models on each of 1,000 hosts.
        var all = Pairs.Make(WarmUpPairs + PairCount, hosts: 1000);
        var warmUp = all[..WarmUpPairs];
        var pairs = all[WarmUpPairs..];

        // Warm-up pairs create every shard and JIT the paths, so the delta below is the pairs' own.
        await node.RegisterAsync(warmUp, _ => "1h", Window);
        await node.WaitForWritesAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (heapBefore, gcHeapBefore) = CompactedHeap();

        var clock = Stopwatch.StartNew();
        var retold = await node.RegisterAsync(pairs, _ => "1h", Window);
        var registered = clock.Elapsed;
        await node.WaitForWritesAsync(TimeSpan.FromSeconds(120));
        var written = clock.Elapsed;
        // Remember-entities bookkeeping (distributed data) settles after the entities start.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (heapAfter, gcHeapAfter) = CompactedHeap();

        var statuses = await node.StatusOfAllAsync(pairs);
        var armed = statuses.Count(s => s.State == PairState.Scheduled && s.NextWakeUp is not null);
        Report.Line("registered", $"{PairCount:N0} pairs in {registered.TotalSeconds:0.0} s, all written to Redis after {written.TotalSeconds:0.0} s; {armed:N0} armed; {retold} window(s) told again after a lost answer");
        Report.Line("heap before / after (GC.GetTotalMemory after compacting GC)", $"{Report.Mb(heapBefore)} / {Report.Mb(heapAfter)}");
        Report.Line("heap per idle pair", $"{(heapAfter - heapBefore) / (double)PairCount:0} B (GC.GetTotalMemory), {(gcHeapAfter - gcHeapBefore) / (double)PairCount:0} B (GCMemoryInfo.HeapSizeBytes)");
        Report.Line("peak RSS (VmHWM)", $"{Report.Mb(Report.PeakRss())}");
        Report.Line("working set now", $"{Report.Mb(Environment.WorkingSet)}");
        // For a heap dump of the idle pairs (dotnet-gcdump collect -p PID) while the node still holds them.
        if (int.TryParse(Environment.GetEnvironmentVariable("KEEPALIVE_BENCH_HOLD_SECONDS"), out var hold) && hold > 0)
        {
            Report.Line("holding for a heap dump", $"pid {Environment.ProcessId}, {hold} s");
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(hold, 300)));
        }
    }

    private static (long Total, long HeapSize) CompactedHeap()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var total = GC.GetTotalMemory(forceFullCollection: true);
        return (total, GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes);
    }
}
