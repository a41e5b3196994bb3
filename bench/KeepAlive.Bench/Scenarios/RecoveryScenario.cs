using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using KeepAlive.Actors;
using KeepAlive.Actors.Providers;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Bench.Infrastructure;
using StackExchange.Redis;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// Figure 5 of docs/BENCHMARKS.md: a node starts on a Redis that holds 100,000 pairs (written as another program would, raw
/// HSET/ZADD/SADD), and the time until every pair's actor exists and has armed its wake-up from the stored schedule.
/// </summary>
public static class RecoveryScenario
{
    private const int PairCount = 100_000;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    public static async Task RunAsync()
    {
        Report.Header($"recovery: {PairCount:N0} pairs stored in Redis, a node starts");
        await using var redis = await RedisServer.StartAsync();
        var pairs = Pairs.Make(PairCount, hosts: 1000);
        await WriteStoredScheduleAsync(redis, pairs);

        // Declared before the node, so it is disposed after it: the scheduler may still write while the node stops.
        using var connection = await RedisConnection.ConnectAsync(redis.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        // The sweep looks one interval ahead: 30 min covers every stored wake-up (10-20 min from now).
        var scheduler = new SchedulerSettings { SweepInterval = TimeSpan.FromMinutes(30) };
        var clock = Stopwatch.StartNew();
        await using var node = await BenchNode.StartAsync(new RedisScheduleStore(connection, "keepalive"), scheduler: scheduler);
        var up = clock.Elapsed;

        // Entities started (through the scheduler's sweep), polled from the region's own state.
        var entities = 0;
        while (entities < PairCount && clock.Elapsed < Bound)
        {
            var state = await node.Providers.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(30));
            entities = state.Shards.Sum(s => s.EntityIds.Count);
            // Not too often: the answer carries every entity id.
            if (entities < PairCount) await Task.Delay(500);
        }
        var started = clock.Elapsed;

        // Armed: each pair answers with a next wake-up, i.e. it has loaded its stored schedule and armed its timer.
        // (Not "Scheduled": a pair that falls due during a slow run is skipped as unconfigured, and rescheduled.)
        var remaining = pairs;
        while (remaining.Length > 0 && clock.Elapsed < Bound)
        {
            var statuses = await node.StatusOfAllAsync(remaining);
            remaining = remaining.Where((_, i) => statuses[i].NextWakeUp is null).ToArray();
            if (remaining.Length > 0) await Task.Delay(100);
        }
        var armed = clock.Elapsed;

        Report.Line("node up (cluster member up)", $"{up.TotalSeconds:0.00} s after start");
        Report.Line("all entities started (GetShardRegionState)", $"{entities:N0} after {started.TotalSeconds:0.00} s");
        Report.Line("all pairs armed (status asked of every pair)", $"{PairCount - remaining.Length:N0} after {armed.TotalSeconds:0.00} s");
    }

    private static async Task WriteStoredScheduleAsync(RedisServer redis, ProviderKey[] pairs)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var clock = Stopwatch.StartNew();
        const int chunk = 5_000;
        for (var start = 0; start < pairs.Length; start += chunk)
        {
            var writes = new List<Task>(chunk * 3);
            foreach (var pair in pairs.AsSpan(start, Math.Min(chunk, pairs.Length - start)))
            {
                writes.Add(db.ExecuteAsync("HSET", (RedisKey)$"keepalive:provider:{pair.Model}:{pair.Host}",
                    "model_name", pair.Model, "host", pair.Host, "keep_alive_seconds", "600"));
                // Wake-ups 10-20 min ahead: none falls due within the run's 3-minute bound.
                var wakeUp = now + 600 + (Math.Abs(pair.EntityId.GetHashCode()) % 600);
                writes.Add(db.SortedSetAddAsync("keepalive:providers:next_wakeup", pair.EntityId, wakeUp));
                writes.Add(db.SetAddAsync($"keepalive:model:{pair.Model}:hosts", pair.Host));
            }
            await Task.WhenAll(writes);
        }
        Report.Line("stored schedule written", $"{pairs.Length:N0} pairs in {clock.Elapsed.TotalSeconds:0.0} s (pipelined HSET/ZADD/SADD)");
    }
}
