using System.Diagnostics;
using Akka.Actor;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Bench.Infrastructure;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// Figure 2 of docs/BENCHMARKS.md: what one RecordUsage costs the router's thread — building the message and telling it to
/// the shard region — as a distribution of single calls, each timed with two Stopwatch timestamps.
/// </summary>
public static class CallerCostScenario
{
    private const int Calls = 2_000_000;
    private const int Window = 10_000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    public static async Task RunAsync()
    {
        Report.Header("caller cost: one RecordUsage tell on the caller's thread (Stopwatch timestamps)");
        await using var redis = await RedisServer.StartAsync();
        // Declared before the node, so it is disposed after it: the scheduler may still write while the node stops.
        using var connection = await RedisConnection.ConnectAsync(redis.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using var node = await BenchNode.StartAsync(new RedisScheduleStore(connection, "keepalive"));
        var pairs = Pairs.Make(1000, hosts: 50);
        // Strings as a router has them at hand: the message and its key are built on every call, as in the README.
        var models = pairs.Select(p => p.Model).ToArray();
        var hosts = pairs.Select(p => p.Host).ToArray();
        var region = node.Pairs;
        foreach (var pair in pairs) region.Tell(new RecordUsage(pair, "5m"));
        await node.StatusOfAllAsync(pairs);

        var overhead = TimestampOverhead();
        var samples = new double[Calls];
        long allocated = 0;
        var gcBefore = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        var n = 0;
        while (n < Calls && clock.Elapsed < Bound)
        {
            var end = Math.Min(n + Window, Calls);
            // Read around the synchronous loop only: after an await the code may run on another thread.
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (; n < end; n++)
            {
                var i = n % 1000;
                var t0 = Stopwatch.GetTimestamp();
                region.Tell(new RecordUsage(models[i], hosts[i], "5m"));
                var t1 = Stopwatch.GetTimestamp();
                samples[n] = t1 - t0;
            }
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            // Keeps the mailboxes bounded between windows; not timed.
            await node.StatusAsync(pairs[(n - 1) % 1000]);
        }
        var gcs = GC.CollectionCount(0) - gcBefore;
        var ns = 1e9 / Stopwatch.Frequency;
        var measured = samples.AsSpan(0, n).ToArray();
        for (var k = 0; k < measured.Length; k++) measured[k] *= ns;
        Report.Line("calls", $"{n:N0} (windows of {Window:N0}, each followed by an untimed barrier ask)");
        Report.Line("tell latency", $"{Report.Distribution(measured, "ns")}");
        Report.Line("timestamp pair overhead (median of empty pairs)", $"{overhead:0.0} ns, included above");
        Report.Line("allocated on the caller's thread per call", $"{(double)allocated / n:0} B");
        Report.Line("gen0 GCs during the run", $"{gcs}");
        Report.Line("synchronous Redis calls per RecordUsage", $"0 (the tell only enqueues)");
    }

    private static double TimestampOverhead()
    {
        var empty = new double[100_000];
        for (var k = 0; k < empty.Length; k++)
        {
            var t0 = Stopwatch.GetTimestamp();
            empty[k] = Stopwatch.GetTimestamp() - t0;
        }
        Array.Sort(empty);
        return Report.Percentile(empty, 50) * 1e9 / Stopwatch.Frequency;
    }
}
