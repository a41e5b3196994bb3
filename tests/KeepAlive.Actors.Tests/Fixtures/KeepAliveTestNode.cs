using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Providers;
using KeepAlive.Actors.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static KeepAlive.Actors.Providers.ProviderProtocol;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>What a test node is started with; everything has a test-friendly default.</summary>
public sealed record TestNodeOptions
{
    public ProviderCatalog Catalog { get; init; } = ProviderCatalog.Empty;
    public KeepAliveSettings Settings { get; init; } = new();
    public SchedulerSettings Scheduler { get; init; } = new();

    /// <summary>Null: the embedded in-memory store.</summary>
    public IScheduleStore? Store { get; init; }

    /// <summary>Empty: the node forms a cluster of its own.</summary>
    public IReadOnlyList<Address> SeedNodes { get; init; } = [];

    /// <summary>HOCON a test needs on top (prepended, so it wins).</summary>
    public string ExtraHocon { get; init; } = string.Empty;
}

/// <summary>
/// One real keep-alive node: a generic host with Akka.Hosting, remoting on a free 127.0.0.1 port,
/// clustering and <c>WithKeepAlive</c>, as an embedding router would run it.
/// </summary>
public sealed class KeepAliveTestNode : IAsyncDisposable
{
    private readonly IHost _host;

    private KeepAliveTestNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<IActorRegistry>();
    }

    public ActorSystem System { get; }

    public IActorRegistry Registry { get; }

    public IActorRef Providers => Registry.Get<ProviderRegion>();

    public Address Address => Cluster.Get(System).SelfAddress;

    public static async Task<KeepAliveTestNode> StartAsync(TestNodeOptions options)
    {
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                if (options.Store is not null) services.AddSingleton(options.Store);
                services.AddKeepAlive(new ProviderCatalogHolder(options.Catalog), options.Settings, options.Scheduler);
                services.AddAkka("keepalive", (akka, provider) =>
                {
                    akka.WithRemoting("127.0.0.1", 0)
                        .WithClustering(new ClusterOptions { SeedNodes = options.SeedNodes.Select(a => a.ToString()).ToArray() })
                        .WithKeepAlive(provider);
                    // Last, so the test's settings win over the library's embedded ones.
                    if (options.ExtraHocon.Length > 0) akka.AddHocon(options.ExtraHocon, HoconAddMode.Prepend);
                    if (options.SeedNodes.Count == 0)
                        akka.AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
                });
            })
            .Build();
        await host.StartAsync();

        var node = new KeepAliveTestNode(host);
        var up = new TaskCompletionSource();
        Cluster.Get(node.System).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    public Task<ProviderStatus> StatusAsync(ProviderKey pair) =>
        Providers.Ask<ProviderStatus>(new GetProviderStatus(pair), TimeSpan.FromSeconds(10));

    /// <summary>
    /// Stops the host as a deployment would: Akka's coordinated shutdown leaves the cluster and hands the
    /// node's shards over. A node that was downed has stopped its host already; stopping again is harmless.
    /// </summary>
    public Task StopAsync() => _host.StopAsync(TimeSpan.FromSeconds(15));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
