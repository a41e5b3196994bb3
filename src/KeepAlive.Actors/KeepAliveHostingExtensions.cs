using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Entities;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KeepAlive.Actors;

/// <summary>How the keep-alive shard regions are placed in the cluster.</summary>
public sealed record KeepAliveShardingSettings
{
    /// <summary>Shards per region. Never change it while shard state exists.</summary>
    public int MaxShards { get; init; } = 100;

    /// <summary>Only nodes with this cluster role host keep-alive entities and the sweeper (null: every node).</summary>
    public string? Role { get; init; }
}

/// <summary>Adds KeepAlive.Actors to any Akka.Hosting application.</summary>
public static class KeepAliveHostingExtensions
{
    public const string PairRegionName = "keepalive-provider";
    public const string HostGateRegionName = "keepalive-host";
    public const string SweeperName = "keepalive-sweeper";

    // Coordinated shutdown waits this long for the node's last schedule changes to reach the store.
    private static readonly TimeSpan FinalWriteTimeout = TimeSpan.FromSeconds(5);

    // A start that cannot create two local actors in this time is broken; failing it beats waiting forever.
    private static readonly TimeSpan GuardianAnswerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers what the keep-alive actors need: the models-config catalog, the settings, the named
    /// <see cref="HttpClient"/> of the ping senders, the <see cref="UsageRecorder"/> (usage with confirmation)
    /// and, unless one is registered already, the embedded in-memory <see cref="IScheduleStore"/>. Register a
    /// <see cref="RedisScheduleStore"/> before this call to keep the schedule in Redis, and an
    /// <see cref="IHostFreeCheck"/> (e.g. <see cref="RouterRedisOccupancy"/>) to have each ping's host checked with the router.
    /// </summary>
    public static IServiceCollection AddKeepAlive(
        this IServiceCollection services,
        ProviderCatalogHolder catalog,
        KeepAliveSettings? settings = null,
        SchedulerSettings? scheduler = null,
        UsageRecorderSettings? recorder = null)
    {
        services.AddSingleton(catalog);
        services.AddSingleton((settings ?? new KeepAliveSettings()).Validate());
        services.AddSingleton((scheduler ?? new SchedulerSettings()).Validate());
        services.AddSingleton((recorder ?? new UsageRecorderSettings()).Validate());
        services.AddSingleton<UsageRecorder>();
        services.TryAddSingleton<IScheduleStore, InMemoryScheduleStore>();
        // The senders enforce the ping timeout per request; the client's own must not cut in first.
        services.AddHttpClient(PingSenderActor.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        return services;
    }

    /// <summary>
    /// Starts the keep-alive actors in this ActorSystem: the node's guardian (ping sender pool and
    /// scheduler), the host gate region and the pair region. Router code then tells
    /// <see cref="PairProtocol.RecordUsage"/> to <c>registry.Get&lt;PairRegion&gt;()</c>.
    /// Needs clustering (<c>WithClustering</c>) and the services of
    /// <see cref="AddKeepAlive(IServiceCollection, ProviderCatalogHolder, KeepAliveSettings?, SchedulerSettings?, UsageRecorderSettings?)"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithKeepAlive(
        this AkkaConfigurationBuilder builder,
        IServiceProvider services,
        KeepAliveShardingSettings? sharding = null)
    {
        sharding ??= new KeepAliveShardingSettings();
        var settings = services.GetRequiredService<KeepAliveSettings>();
        var schedulerSettings = services.GetRequiredService<SchedulerSettings>();
        var catalog = services.GetRequiredService<ProviderCatalogHolder>();
        var store = services.GetRequiredService<IScheduleStore>();
        var httpClients = services.GetRequiredService<IHttpClientFactory>();
        var hostFreeCheck = services.GetService<IHostFreeCheck>();

        builder.AddHocon(EmbeddedHocon(), HoconAddMode.Prepend);
        builder.WithCustomSerializer(KeepAliveMessageSerializer.SerializerName, [typeof(IKeepAliveMessage)],
            system => new KeepAliveMessageSerializer(system));

        builder.WithActors(async (system, registry) =>
        {
            var standing = NodeStanding.Of(system);
            var guardian = system.ActorOf(KeepAliveGuardian.Props(
                PingSenderPool.Props(httpClients, settings.PingTimeout, settings.PingSenderPoolSize, standing),
                SchedulerActor.Props(store, schedulerSettings, standing)),
                "keepalive");
            // The regions below are built on these; registered here, before anything looks them up.
            var children = await guardian.Ask<KeepAliveGuardian.Children>(KeepAliveGuardian.GetChildren.Instance, GuardianAnswerTimeout);
            registry.Register<KeepAlivePingSenders>(children.PingSenders);
            registry.Register<KeepAliveScheduler>(children.Scheduler);
            // After the regions have handed their pairs off (and the pairs their schedules over), before the system
            // stops: what waits to be written goes to the store, so a restart of every node finds it.
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "keepalive-write-schedule",
                async () =>
                {
                    await children.Scheduler.Ask<SchedulerProtocol.AllWritten>(SchedulerProtocol.WriteEverything.Instance, FinalWriteTimeout)
                        .ContinueWith(_ => { }, TaskScheduler.Default);
                    return Done.Instance;
                });
        });

        builder.WithShardRegion<HostGateRegion>(
            HostGateRegionName,
            host => HostGateActor.Props(host, settings, hostFreeCheck),
            new HostGateMessageExtractor(sharding.MaxShards),
            new ShardOptions
            {
                Role = sharding.Role,
                StateStoreMode = StateStoreMode.DData,
                // A gate's occupancy lives in memory: passivating it would forget who occupies the host.
                ShouldPassivateIdleEntities = false,
            });

        builder.WithShardRegion<PairRegion>(
            PairRegionName,
            // Called once, when the region starts: Akka.Hosting starts the actors in the order they are added, so the
            // gate region, the senders and the scheduler are registered by then. Every pair shares the one Props.
            (system, registry) =>
            {
                var props = PairActor.ForEntities(new PairDependencies(
                    settings, catalog,
                    registry.Get<HostGateRegion>(),
                    registry.Get<KeepAlivePingSenders>(),
                    registry.Get<KeepAliveScheduler>(),
                    new ClusterSuccessorRegions(system, PairRegionName, sharding.Role),
                    Logging.GetLogger(system, typeof(PairActor)),
                    store.SharedWithOtherWriters));
                return _ => props;
            },
            new PairMessageExtractor(sharding.MaxShards),
            new ShardOptions
            {
                Role = sharding.Role,
                StateStoreMode = StateStoreMode.DData,
                // Recovery rests on the durable schedule (the sweeper) and on hand-overs, not on remembered entities:
                // remembering is one replicated write per new pair, which a burst of new pairs outruns (shards restart
                // and drop what they buffered). docs/ARCHITECTURE.md, "Recovery".
                RememberEntities = false,
                // A pair that only pings gets no message through sharding; its own timer does not count as activity.
                ShouldPassivateIdleEntities = false,
                HandOffStopMessage = PairProtocol.HandOff.Instance,
            });

        builder.WithActors((system, registry) =>
            system.ActorOf(ScheduleRewriterActor.Props(registry.Get<PairRegion>()), "keepalive-schedule-rewriter"));

        // Every node answers for its own regions, so any node's API can list the cluster's pairs and hosts.
        builder.WithActors((system, _) => system.ActorOf(NodeEntitiesActor.Props(sharding.Role), NodeEntitiesActor.Name));

        builder.WithSingleton<KeepAliveSweeper>(
            SweeperName,
            (_, registry, _) => ScheduleSweeperActor.Props(store, schedulerSettings, registry.Get<PairRegion>(), registry.Get<KeepAliveScheduler>()),
            new ClusterSingletonOptions { Role = sharding.Role },
            createProxyToo: true);

        return builder;
    }

    /// <summary>
    /// Akka.Cluster with <paramref name="options"/>. A node given seed nodes joins them; a node given none joins its own
    /// address and is a cluster of its own (a single node, or the first of a cluster the others name as their seed).
    /// </summary>
    public static AkkaConfigurationBuilder WithClusteringOrSelfJoin(this AkkaConfigurationBuilder builder, ClusterOptions options)
    {
        builder.WithClustering(options);
        if (options.SeedNodes is null || options.SeedNodes.Length == 0)
            builder.AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
        return builder;
    }

    private static Akka.Configuration.Config EmbeddedHocon()
    {
        using var stream = typeof(KeepAliveHostingExtensions).Assembly.GetManifestResourceStream("KeepAlive.Actors.keepalive.hocon")
            ?? throw new InvalidOperationException("KeepAlive.Actors was built without its embedded keepalive.hocon.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
