using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static KeepAlive.Actors.Pairs.PairProtocol;
using static KeepAlive.Actors.Scheduling.SchedulerProtocol;
using LogLevel = Akka.Event.LogLevel;

namespace KeepAlive.Testing;

/// <summary>What a test node is started with; everything has a test-friendly default.</summary>
public sealed record TestNodeOptions
{
    public ProviderCatalog Catalog { get; init; } = ProviderCatalog.Empty;
    public KeepAliveSettings Settings { get; init; } = new();
    public SchedulerSettings Scheduler { get; init; } = new();

    /// <summary>Null: the library's defaults.</summary>
    public KeepAliveShardingSettings? Sharding { get; init; }

    /// <summary>Null: the embedded in-memory store.</summary>
    public IScheduleStore? Store { get; init; }

    /// <summary>Empty: the node forms a cluster of its own.</summary>
    public IReadOnlyList<Address> SeedNodes { get; init; } = [];

    /// <summary>The node's cluster roles.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>HOCON a test needs on top (prepended, so it wins).</summary>
    public string ExtraHocon { get; init; } = string.Empty;

    /// <summary>The lowest level Akka logs at all; Information is Akka's default.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.InfoLevel;

    /// <summary>Where the node's log lines go, e.g. a test's output; null: Akka's own logger, on standard out.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>How long an ask of a pair or the scheduler may take.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// One real keep-alive node: a generic host with Akka.Hosting, remoting on a free 127.0.0.1 port,
/// clustering and <c>AddKeepAlive</c> + <c>WithKeepAlive</c>, as an embedding router would run it.
/// </summary>
public sealed class KeepAliveTestNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly ILoggerFactory? _logging;
    private readonly TimeSpan _askTimeout;

    private KeepAliveTestNode(IHost host, ILoggerFactory? logging, TimeSpan askTimeout)
    {
        _host = host;
        _logging = logging;
        _askTimeout = askTimeout;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<IActorRegistry>();
    }

    public ActorSystem System { get; }

    public IActorRegistry Registry { get; }

    public IActorRef Pairs => Registry.Get<PairRegion>();

    public IActorRef Scheduler => Registry.Get<KeepAliveScheduler>();

    public IActorRef Sweeper => Registry.Get<KeepAliveSweeper>();

    public Address Address => Cluster.Get(System).SelfAddress;

    /// <summary>Starts the node and waits until it is an Up member of its cluster.</summary>
    public static async Task<KeepAliveTestNode> StartAsync(TestNodeOptions options)
    {
        // A factory of the node's own, so only Akka's lines reach the sink (not the HTTP client's four per ping).
        var logging = options.Log is { } sink
            ? LoggerFactory.Create(builder => builder.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace).AddProvider(new LineLoggerProvider(sink)))
            : null;
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                if (options.Store is not null) services.AddSingleton(options.Store);
                services.AddKeepAlive(new ProviderCatalogHolder(options.Catalog), options.Settings, options.Scheduler);
                services.AddAkka("keepalive", (akka, provider) =>
                {
                    if (logging is null) akka.ConfigureLoggers(loggers => loggers.LogLevel = options.LogLevel);
                    else akka.WithCategorizedLogging(options.LogLevel, logging);
                    akka.WithRemoting("127.0.0.1", 0)
                        .WithClusteringOrSelfJoin(new ClusterOptions { SeedNodes = options.SeedNodes.Select(a => a.ToString()).ToArray(), Roles = options.Roles.ToArray() })
                        .WithKeepAlive(provider, options.Sharding);
                    // Last, so the test's settings win over the library's embedded ones.
                    if (options.ExtraHocon.Length > 0) akka.AddHocon(options.ExtraHocon, HoconAddMode.Prepend);
                });
            })
            .Build();
        await host.StartAsync();

        var node = new KeepAliveTestNode(host, logging, options.AskTimeout);
        var up = new TaskCompletionSource();
        Cluster.Get(node.System).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    public Task<PairStatus> StatusAsync(PairKey pair) =>
        Pairs.Ask<PairStatus>(new GetPairStatus(pair), _askTimeout);

    public Task<SchedulerStatus> SchedulerStatusAsync() =>
        Scheduler.Ask<SchedulerStatus>(GetSchedulerStatus.Instance, _askTimeout);

    public Task<SweeperProtocol.SweeperStatus> SweeperStatusAsync() =>
        Sweeper.Ask<SweeperProtocol.SweeperStatus>(SweeperProtocol.GetSweeperStatus.Instance, _askTimeout);

    /// <summary>The entity ids of the pairs living on this node (its pair region's shards).</summary>
    public async Task<IReadOnlyList<string>> LivingPairsAsync()
    {
        var state = await Pairs.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, _askTimeout);
        return state.Shards.SelectMany(shard => shard.EntityIds).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Asks every pair for its status, at most <paramref name="window"/> asks in flight. Its answer proves
    /// the pair's actor exists and has handled everything told to it before.
    /// </summary>
    public async Task<PairStatus[]> StatusOfAllAsync(IReadOnlyList<PairKey> pairs, int window = 2000)
    {
        var statuses = new PairStatus[pairs.Count];
        for (var start = 0; start < pairs.Count; start += window)
        {
            var end = Math.Min(start + window, pairs.Count);
            var asks = new Task<PairStatus>[end - start];
            for (var i = start; i < end; i++) asks[i - start] = StatusAsync(pairs[i]);
            var answers = await Task.WhenAll(asks);
            answers.CopyTo(statuses, start);
        }
        return statuses;
    }

    /// <summary>
    /// Records usage of every pair in windows, each closed by a status ask of its pairs. A window whose asks time out
    /// (a shard restarted and dropped what it buffered) is told again, at most <paramref name="attempts"/> times.
    /// Returns how many windows had to be told again.
    /// </summary>
    public async Task<int> RegisterAsync(IReadOnlyList<PairKey> pairs, Func<PairKey, string> keepAlive, int window, int attempts = 3)
    {
        var retold = 0;
        for (var start = 0; start < pairs.Count; start += window)
        {
            var slice = pairs.Skip(start).Take(window).ToArray();
            for (var attempt = 1; ; attempt++)
            {
                foreach (var pair in slice) Pairs.Tell(new RecordUsage(pair, keepAlive(pair)));
                try
                {
                    await StatusOfAllAsync(slice);
                    break;
                }
                catch (AskTimeoutException) when (attempt < attempts)
                {
                    retold++;
                }
            }
        }
        return retold;
    }

    /// <summary>Waits until the scheduler has written every pending change.</summary>
    public Task WaitForWritesAsync(TimeSpan bound) =>
        Eventually.HoldsAsync(async () => (await SchedulerStatusAsync()).PendingWrites == 0, bound, "the scheduler to write every pending change");

    /// <summary>
    /// Stops the host as a deployment would: Akka's coordinated shutdown leaves the cluster and hands the
    /// node's shards over. A node that was downed has stopped its host already; stopping again is harmless.
    /// </summary>
    public Task StopAsync() => _host.StopAsync(TimeSpan.FromSeconds(20));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
        _logging?.Dispose();
    }
}
