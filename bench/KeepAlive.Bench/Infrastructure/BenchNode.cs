using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Providers;
using KeepAlive.Actors.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static KeepAlive.Actors.Providers.ProviderProtocol;
using static KeepAlive.Actors.Scheduling.SchedulerProtocol;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// One keep-alive node embedded as the README shows a router doing it: generic host, Akka.Hosting,
/// a single-node cluster on a free 127.0.0.1 port, <c>AddKeepAlive</c> + <c>WithKeepAlive</c>.
/// </summary>
public sealed class BenchNode : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<IActorRegistry>();
        Providers = registry.Get<ProviderRegion>();
        Scheduler = registry.Get<KeepAliveScheduler>();
    }

    public ActorSystem System { get; }

    public IActorRef Providers { get; }

    public IActorRef Scheduler { get; }

    /// <param name="store">Registered before AddKeepAlive (e.g. a RedisScheduleStore); null: the embedded in-memory store.</param>
    public static async Task<BenchNode> StartAsync(
        IScheduleStore? store,
        ProviderCatalog? catalog = null,
        KeepAliveSettings? settings = null,
        SchedulerSettings? scheduler = null,
        KeepAliveShardingSettings? sharding = null)
    {
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureServices(services =>
            {
                if (store is not null) services.AddSingleton(store);
                services.AddKeepAlive(new ProviderCatalogHolder(catalog ?? ProviderCatalog.Empty), settings, scheduler);
                services.AddAkka("keepalive-bench", (akka, provider) =>
                {
                    // Pings log at Information (two lines each); at 10^2-10^3 pings/s the console would measure itself.
                    akka.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend);
                    akka.WithRemoting("127.0.0.1", 0)
                        .WithClustering()
                        .WithKeepAlive(provider, sharding)
                        .AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
                });
            })
            .Build();
        await host.StartAsync();
        var node = new BenchNode(host);
        var up = new TaskCompletionSource();
        Cluster.Get(node.System).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    public Task<ProviderStatus> StatusAsync(ProviderKey pair) =>
        Providers.Ask<ProviderStatus>(new GetProviderStatus(pair), TimeSpan.FromSeconds(60));

    public Task<SchedulerStatus> SchedulerStatusAsync() =>
        Scheduler.Ask<SchedulerStatus>(GetSchedulerStatus.Instance, TimeSpan.FromSeconds(30));

    /// <summary>
    /// Asks every pair for its status, at most <paramref name="window"/> asks in flight. Its answer proves
    /// the pair's actor exists and has handled everything told to it before.
    /// </summary>
    public async Task<ProviderStatus[]> StatusOfAllAsync(IReadOnlyList<ProviderKey> pairs, int window = 2000)
    {
        var statuses = new ProviderStatus[pairs.Count];
        for (var start = 0; start < pairs.Count; start += window)
        {
            var end = Math.Min(start + window, pairs.Count);
            var asks = new Task<ProviderStatus>[end - start];
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
    public async Task<int> RegisterAsync(IReadOnlyList<ProviderKey> pairs, Func<ProviderKey, string> keepAlive, int window, int attempts = 3)
    {
        var retold = 0;
        for (var start = 0; start < pairs.Count; start += window)
        {
            var slice = pairs.Skip(start).Take(window).ToArray();
            for (var attempt = 1; ; attempt++)
            {
                foreach (var pair in slice) Providers.Tell(new RecordUsage(pair, keepAlive(pair)));
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

    /// <summary>Waits until the scheduler has written every pending change (bounded).</summary>
    public async Task WaitForWritesAsync(TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while ((await SchedulerStatusAsync()).PendingWrites > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Scheduler still had pending writes after {bound}.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(20));
        _host.Dispose();
    }
}
