using Akka.Event;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// The bench's keep-alive node: the shared test node (a router's embedding: generic host, Akka.Hosting, a
/// single-node cluster on 127.0.0.1), logging warnings only, with asks patient enough for 100,000 pairs.
/// </summary>
public static class BenchNode
{
    /// <param name="store">E.g. a RedisScheduleStore; null: the embedded in-memory store.</param>
    public static Task<KeepAliveTestNode> StartAsync(
        IScheduleStore? store,
        ProviderCatalog? catalog = null,
        KeepAliveSettings? settings = null,
        SchedulerSettings? scheduler = null,
        KeepAliveShardingSettings? sharding = null) =>
        KeepAliveTestNode.StartAsync(new TestNodeOptions
        {
            Store = store,
            Catalog = catalog ?? ProviderCatalog.Empty,
            Settings = settings ?? new KeepAliveSettings(),
            Scheduler = scheduler ?? new SchedulerSettings(),
            Sharding = sharding,
            // Pings log at Information; at 10^2-10^3 pings/s the console would measure itself.
            LogLevel = LogLevel.WarningLevel,
            AskTimeout = TimeSpan.FromSeconds(60),
        });
}
