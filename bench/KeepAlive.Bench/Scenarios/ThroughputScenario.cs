using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Bench.Infrastructure;
using StackExchange.Redis;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// Figure 1 of docs/BENCHMARKS.md: RecordUsage tells per second into the shard region for 1,000 hot pairs with Redis mirroring
/// on, against the Python router's monitor's one awaited MULTI/HSET/ZADD/SADD/EXEC per usage, on the same redis-server.
/// </summary>
public static class ThroughputScenario
{
    private const int HotPairs = 1000;
    private const int Window = 10_000;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(3);

    public static async Task RunAsync()
    {
        Report.Header("throughput: RecordUsage, 1,000 hot pairs, Redis mirroring on");
        await using var redis = await RedisServer.StartAsync();
        await using var admin = await redis.ConnectAsync(allowAdmin: true);
        var pairs = Pairs.Make(HotPairs, hosts: 50);

        var actors = await ActorDesignAsync(redis, admin, pairs);
        var original = await OriginalDesignAsync(redis, admin, pairs);
        Report.Line("ratio (actor tells/s ÷ original usages/s)", $"{actors / original:0.0}×");
    }

    private static async Task<double> ActorDesignAsync(RedisServer redis, IConnectionMultiplexer admin, PairKey[] pairs)
    {
        // Declared before the node, so it is disposed after it: the scheduler may still write while the node stops.
        using var connection = await RedisConnection.ConnectAsync(redis.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using var node = await BenchNode.StartAsync(new RedisScheduleStore(connection, "keepalive"));
        // Messages built once: the figure is the system's, the caller's own cost is CallerCostScenario's.
        var usages = pairs.Select(p => new RecordUsage(p, "5m")).ToArray();

        // Warm-up: every pair's actor started and written once, so the run measures hot pairs.
        foreach (var usage in usages) node.Pairs.Tell(usage);
        await node.StatusOfAllAsync(pairs);
        await node.WaitForWritesAsync(TimeSpan.FromSeconds(30));

        var before = await RedisServer.CommandCallsAsync(admin);
        var gcBefore = GC.CollectionCount(0);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var samples = new List<string>();
        long told = 0, maxPending = 0, maxHeap = 0, maxWorkingSet = 0;
        var clock = Stopwatch.StartNew();
        var nextSample = SampleEvery;
        Task? previousBarrier = null;
        while (clock.Elapsed < Duration)
        {
            for (var k = 0; k < Window; k++) node.Pairs.Tell(usages[told++ % HotPairs]);
            // Backpressure: the producer is at most two windows ahead of the region (the answer to a status ask
            // follows everything told before it through the region and the shard).
            var barrier = node.StatusAsync(pairs[(told - 1) % HotPairs]);
            if (previousBarrier is not null) await previousBarrier;
            previousBarrier = barrier;
            if (clock.Elapsed >= nextSample)
            {
                nextSample += SampleEvery;
                var pending = (await node.SchedulerStatusAsync()).PendingWrites;
                var heap = GC.GetTotalMemory(false);
                var ws = Environment.WorkingSet;
                (maxPending, maxHeap, maxWorkingSet) = (Math.Max(maxPending, pending), Math.Max(maxHeap, heap), Math.Max(maxWorkingSet, ws));
                samples.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:0}s pending={pending} heap={Report.Mb(heap)} ws={Report.Mb(ws)}"));
            }
        }
        if (previousBarrier is not null) await previousBarrier;
        // Drained: every pair has handled every usage told to it.
        await node.StatusOfAllAsync(pairs);
        var elapsed = clock.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var after = await RedisServer.CommandCallsAsync(admin);
        var rate = told / elapsed.TotalSeconds;
        var delta = RedisServer.Delta(before, after);
        var commands = delta.Values.Sum();

        Report.Line("actor design: usages", $"{told:N0} in {elapsed.TotalSeconds:0.0} s (drained)");
        Report.Line("actor design: tells/s", $"{rate:N0}");
        Report.Line("actor design: Redis commands", $"{commands:N0} ({string.Join(", ", delta.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value:N0}"))})");
        Report.Line("actor design: Redis commands per usage", $"{(double)commands / told:0.00000}");
        // StackExchange.Redis sends SELECT before the command that follows an ExecuteAsync (the store's HSET).
        var data = commands - delta.GetValueOrDefault("select");
        Report.Line("actor design: Redis data commands per usage (without SELECT)", $"{(double)data / told:0.00000}");
        Report.Line("actor design: pairs written per second (upserts/s)", $"{delta.GetValueOrDefault("zadd") / elapsed.TotalSeconds:N0}");
        Report.Line("actor design: allocated per usage (all threads, incl. Redis writes)", $"{(double)allocated / told:0} B");
        Report.Line("actor design: gen0 GCs", $"{GC.CollectionCount(0) - gcBefore}");
        Report.Line("actor design: max scheduler pending writes", $"{maxPending}");
        Report.Line("actor design: max heap / working set", $"{Report.Mb(maxHeap)} / {Report.Mb(maxWorkingSet)}");
        foreach (var sample in samples) Report.Line("  sample", $"{sample}");
        return rate;
    }

    private static async Task<double> OriginalDesignAsync(RedisServer redis, IConnectionMultiplexer admin, PairKey[] pairs)
    {
        // The Python router's record_usage: one redis-py pipeline (MULTI/EXEC) per routed request, awaited before going on.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        const string prefix = "original";
        var before = await RedisServer.CommandCallsAsync(admin);
        long usages = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Duration)
        {
            var pair = pairs[usages++ % pairs.Length];
            var wakeUp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300;
            var tx = db.CreateTransaction();
            _ = tx.ExecuteAsync("HSET", (RedisKey)$"{prefix}:provider:{pair.Model}:{pair.Host}",
                "model_name", pair.Model, "host", pair.Host, "keep_alive_seconds", "300");
            _ = tx.SortedSetAddAsync($"{prefix}:providers:next_wakeup", pair.EntityId, wakeUp);
            _ = tx.SetAddAsync($"{prefix}:model:{pair.Model}:hosts", pair.Host);
            await tx.ExecuteAsync();
        }
        var elapsed = clock.Elapsed;
        var delta = RedisServer.Delta(before, await RedisServer.CommandCallsAsync(admin));
        var rate = usages / elapsed.TotalSeconds;
        Report.Line("original design: usages", $"{usages:N0} in {elapsed.TotalSeconds:0.0} s (one caller, each awaited)");
        Report.Line("original design: usages/s", $"{rate:N0}");
        Report.Line("original design: mean round trip", $"{elapsed.TotalMilliseconds * 1000 / usages:0.0} µs");
        Report.Line("original design: Redis commands per usage", $"{(double)delta.Values.Sum() / usages:0.00} ({string.Join(", ", delta.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value:N0}"))})");
        return rate;
    }
}
