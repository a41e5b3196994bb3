using Akka.Actor;
using Akka.Cluster;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Testing.TestProviders;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Clustering;

/// <summary>
/// Three real nodes on 127.0.0.1 sharing one redis-server and one fake model server, in real time.
/// Every pair has its own model and its own host spelling (the case of <c>localhost</c>), so it never
/// shares a host gate and each ping at the server names exactly one pair.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ClusterSpecs : ModelServerSpecs
{
    private const int PairCount = 300;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(5);

    /// <summary>How late a ping may be against its due time on 2 busy cores, and still count as on time.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    /// <summary>The bound the failover specs state: a lost node's pairs live on the survivors within it.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(10);

    private static readonly KeepAliveSettings Settings = new()
    {
        FirstRetryDelay = TimeSpan.FromMilliseconds(200),
        PingTimeout = TimeSpan.FromSeconds(2),
    };

    private static readonly SchedulerSettings Scheduler = new()
    {
        FlushInterval = TimeSpan.FromMilliseconds(100),
        SweepInterval = TimeSpan.FromSeconds(1),
    };

    // Failure detection, SBR and sharding retries in seconds instead of tens of seconds.
    private const string FastFailover = """
        akka.cluster.split-brain-resolver.stable-after = 2s
        akka.cluster.failure-detector.heartbeat-interval = 500ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        akka.cluster.down-removal-margin = 500ms
        akka.cluster.singleton.hand-over-retry-interval = 200ms
        akka.cluster.sharding.retry-interval = 200ms
        akka.cluster.sharding.handoff-timeout = 3s
        akka.cluster.sharding.waiting-for-state-timeout = 1s
        akka.cluster.sharding.updating-state-timeout = 2s
        akka.cluster.sharding.coordinator-failure-backoff = 1s
        akka.cluster.sharding.shard-failure-backoff = 1s
        akka.cluster.sharding.entity-restart-backoff = 1s
        """;

    private readonly RedisServerFixture _redisServer;
    private readonly ITestOutputHelper _output;
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private readonly List<KeepAliveTestNode> _nodes = [];
    private ConnectionMultiplexer _redis = null!;
    private IReadOnlyList<PairKey> _pairs = [];
    private ProviderCatalog _catalog = ProviderCatalog.Empty;

    public ClusterSpecs(RedisServerFixture redisServer, ITestOutputHelper output)
    {
        _redisServer = redisServer;
        _output = output;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _redis = await _redisServer.ConnectAsync();
        var port = new Uri(Server.Host).Port;
        var providers = Enumerable.Range(0, PairCount)
            .Select(i => Provider("vllm", $"http://{Spelling(i)}:{port}", $"model-{i}", keepAlive: "5s", id: $"provider-{i}"))
            .ToList();
        _catalog = Catalog(providers);
        _pairs = providers.Select(PairOf).ToList();
    }

    public override async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await base.DisposeAsync();
        await _redis.DisposeAsync();
        // A downed node's Akka.Hosting host sets a failing exit code for the whole process: not ours to keep.
        Environment.ExitCode = 0;
    }

    [Fact]
    public async Task Every_pair_is_pinged_once_per_due_time_and_a_downed_nodes_pairs_resume_on_the_survivors_from_the_stored_schedule()
    {
        // No periodic sweep: only the sweep after the member is removed can bring the lost node's pairs back.
        var (a, b, c) = await StartClusterAsync(Scheduler with { SweepInterval = TimeSpan.FromHours(1) });
        Register(a, b, c);
        var steady = DateTimeOffset.UtcNow + KeepAlive + Slack;
        await WaitUntilEveryPairIsPingedAfterAsync(steady, KeepAlive * 2 + Slack * 2);

        // Steady state: one ping per pair per interval, pairs spread over all three nodes.
        var owners = await OwnersAsync(a);
        Assert.Equal(3, owners.Values.Distinct().Count());
        AssertOnePingPerInterval(_pairs, from: steady, to: DateTimeOffset.UtcNow);

        // Crash: down the youngest node from a survivor and stop it without a graceful leave.
        var victimPairs = owners.Where(o => o.Value == c.Address.ToString()).Select(o => o.Key).ToList();
        var dueBeforeCrash = (await Task.WhenAll(victimPairs.Select(p => c.StatusAsync(p))))
            .ToDictionary(s => s.Pair, s => s.NextWakeUp!.Value);
        var killedAt = DateTimeOffset.UtcNow;
        Akka.Cluster.Cluster.Get(a.System).Down(c.Address);
        await c.StopAsync();

        // Found through the regions' state: a message to a pair would start it on demand and hide the sweep's work.
        var recoveredIn = await WaitUntilLivingOnAsync(victimPairs, [a, b], FailoverBound * 3);
        _output.WriteLine($"{victimPairs.Count} pairs of the downed node live on the survivors {recoveredIn.TotalMilliseconds:F0} ms after the crash");
        Assert.True(recoveredIn <= FailoverBound, $"failover took {recoveredIn}, bound {FailoverBound}");

        // Recovered from the stored (whole-second) wake-up, not reset to now + interval.
        var recovered = await Task.WhenAll(victimPairs.Select(p => a.StatusAsync(p)));
        var readAt = DateTimeOffset.UtcNow;
        foreach (var status in recovered)
        {
            var stored = WakeUpScores.Round(dueBeforeCrash[status.Pair]);
            // An overdue stored wake-up fires at once (after the pair's small offset): such a pair is about to be
            // pinged, being pinged, or has been. A reset would put its wake-up a whole interval after the restart.
            var firesNow = stored <= readAt && status.NextWakeUp <= readAt + TimeSpan.FromSeconds(1);
            var pingedAgain = status.LastPing is { } last && last.At > killedAt || status.State is PairState.AwaitingHost or PairState.Pinging;
            Assert.True(pingedAgain || firesNow || status.NextWakeUp == stored,
                $"{status.Pair}: {status.State}, next wake-up {status.NextWakeUp:O}, stored {stored:O}, last ping {status.LastPing?.At:O}");
        }

        await WaitUntilEveryPairIsPingedAfterAsync(killedAt + FailoverBound, KeepAlive * 2 + Slack * 2);
        AssertOnePingPerInterval(_pairs, from: steady, to: DateTimeOffset.UtcNow, allowedGap: FailoverBound + Slack);
    }

    [Fact]
    public async Task A_graceful_leave_misses_no_ping_and_doubles_none()
    {
        var (a, b, c) = await StartClusterAsync();
        Register(a, b, c);
        var steady = DateTimeOffset.UtcNow + KeepAlive + Slack;
        await WaitUntilEveryPairIsPingedAfterAsync(steady, KeepAlive * 2 + Slack * 2);
        var leaverPairs = (await OwnersAsync(a)).Where(o => o.Value == c.Address.ToString()).Select(o => o.Key).ToList();
        Assert.NotEmpty(leaverPairs);

        await c.StopAsync();

        await WaitUntilLivingOnAsync(leaverPairs, [a, b], FailoverBound);
        await WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow + KeepAlive, KeepAlive * 2 + Slack * 2);
        AssertOnePingPerInterval(_pairs, from: steady, to: DateTimeOffset.UtcNow);
        Assert.Equal(0, Environment.ExitCode);
    }

    [Fact]
    public async Task After_a_full_restart_every_pair_is_pinged_again_on_its_stored_schedule()
    {
        var (a, b, c) = await StartClusterAsync();
        Register(a, b, c);
        await WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow, KeepAlive * 2 + Slack * 2);
        // Two flush intervals: the last pings' schedules are in Redis before the cluster goes.
        await Task.Delay(Scheduler.FlushInterval * 2);
        foreach (var node in _nodes) await node.StopAsync();
        var stoppedAt = DateTimeOffset.UtcNow;
        var lastPings = LastPingPerModel(Server.Requests);

        await StartClusterAsync();
        var upAt = DateTimeOffset.UtcNow;

        // Nothing is told to the new cluster: the sweep starts the pairs, they load their stored schedule.
        await WaitUntilEveryPairIsPingedAfterAsync(stoppedAt, KeepAlive * 2 + Slack * 2);
        var firstAfter = FirstPingPerModelAfter(Server.Requests, stoppedAt);
        foreach (var pair in _pairs)
        {
            // The stored wake-up is at most one interval (+ offset, rounded up to the second) after the last ping.
            var storedDue = lastPings[pair.Model] + KeepAlive + TimeSpan.FromSeconds(1.2);
            var expectedBy = (storedDue > upAt ? storedDue : upAt) + Scheduler.SweepInterval + Slack;
            Assert.True(firstAfter[pair.Model] <= expectedBy,
                $"{pair}: first ping after the restart at {firstAfter[pair.Model]:O}, stored schedule due by {expectedBy:O}");
        }

        AssertOnePingPerInterval(_pairs, from: stoppedAt, to: DateTimeOffset.UtcNow);
    }

    private async Task<(KeepAliveTestNode A, KeepAliveTestNode B, KeepAliveTestNode C)> StartClusterAsync(SchedulerSettings? scheduler = null)
    {
        _nodes.Clear();
        var store = new RedisScheduleStore(_redis, _prefix);
        var seed = await StartNodeAsync(store, [], scheduler ?? Scheduler);
        var second = await StartNodeAsync(store, [seed.Address], scheduler ?? Scheduler);
        var third = await StartNodeAsync(store, [seed.Address], scheduler ?? Scheduler);
        await Eventually.HoldsAsync(() => Akka.Cluster.Cluster.Get(seed.System).State.Members.Count(m => m.Status == MemberStatus.Up) == 3,
            TimeSpan.FromSeconds(30), "three members up");
        return (seed, second, third);
    }

    private async Task<KeepAliveTestNode> StartNodeAsync(IScheduleStore store, IReadOnlyList<Address> seeds, SchedulerSettings scheduler)
    {
        var node = await KeepAliveTestNode.StartAsync(new TestNodeOptions
        {
            Catalog = _catalog,
            Settings = Settings,
            Scheduler = scheduler,
            Store = store,
            SeedNodes = seeds,
            ExtraHocon = FastFailover,
            Log = _output.Sink(),
        });
        _nodes.Add(node);
        return node;
    }

    /// <summary>Each pair's usage is told to a different node, as routers in front of different nodes would.</summary>
    private void Register(params KeepAliveTestNode[] nodes)
    {
        for (var i = 0; i < _pairs.Count; i++)
            nodes[i % nodes.Length].Pairs.Tell(new RecordUsage(_pairs[i], "5s"));
    }

    private async Task<Dictionary<PairKey, string>> OwnersAsync(KeepAliveTestNode via) =>
        (await Task.WhenAll(_pairs.Select(p => via.StatusAsync(p)))).ToDictionary(s => s.Pair, s => s.Node);

    private async Task<TimeSpan> WaitUntilLivingOnAsync(IReadOnlyList<PairKey> pairs, KeepAliveTestNode[] nodes, TimeSpan bound)
    {
        var started = DateTimeOffset.UtcNow;
        var wanted = pairs.Select(p => p.EntityId).ToHashSet();
        await Eventually.HoldsAsync(async () =>
        {
            var living = new HashSet<string>();
            foreach (var node in nodes) living.UnionWith(await node.LivingPairsAsync());
            return wanted.IsSubsetOf(living);
        }, bound, $"{pairs.Count} pairs living on the survivors");
        return DateTimeOffset.UtcNow - started;
    }

    private async Task WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset after, TimeSpan bound)
    {
        var wait = after - DateTimeOffset.UtcNow;
        await Eventually.HoldsAsync(() => FirstPingPerModelAfter(Server.Requests, after).Count == _pairs.Count,
            (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) + bound,
            $"every pair pinged after {after:HH:mm:ss.fff}");
    }

    /// <summary>
    /// Between <paramref name="from"/> and <paramref name="to"/>, no pair is pinged twice within one interval
    /// (a second pinger would) and none waits much longer than one interval (a lost pair would).
    /// </summary>
    private void AssertOnePingPerInterval(IEnumerable<PairKey> pairs, DateTimeOffset from, DateTimeOffset to, TimeSpan? allowedGap = null)
    {
        var longest = (allowedGap ?? TimeSpan.Zero) > KeepAlive + Slack ? allowedGap!.Value : KeepAlive + TimeSpan.FromSeconds(1.2) + Slack;
        var byModel = Server.Requests.Where(r => r.Model is not null).ToLookup(r => r.Model!, r => r.ReceivedAt);
        var problems = new List<string>();
        foreach (var pair in pairs)
        {
            var times = byModel[pair.Model].Where(t => t >= from - KeepAlive && t <= to).Order().ToList();
            for (var i = 1; i < times.Count; i++)
            {
                var gap = times[i] - times[i - 1];
                if (times[i] < from) continue;
                // Arrival times: a ping that was slow to arrive (a new connection on a busy core) shortens the next gap.
                if (gap < KeepAlive * 0.8) problems.Add($"{pair.Model} pinged twice {gap.TotalMilliseconds:F0} ms apart at {times[i]:HH:mm:ss.fff}");
                if (gap > longest) problems.Add($"{pair.Model} waited {gap.TotalMilliseconds:F0} ms until {times[i]:HH:mm:ss.fff}");
            }

            var lastGap = to - (times.Count > 0 ? times[^1] : from);
            if (lastGap > longest) problems.Add($"{pair.Model} not pinged since {times.LastOrDefault():HH:mm:ss.fff}");
        }

        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(30))}");
    }

    private static Dictionary<string, DateTimeOffset> FirstPingPerModelAfter(IReadOnlyList<RecordedRequest> requests, DateTimeOffset after) =>
        requests.Where(r => r.Model is not null && r.ReceivedAt > after)
            .GroupBy(r => r.Model!)
            .ToDictionary(g => g.Key, g => g.Min(r => r.ReceivedAt));

    private static Dictionary<string, DateTimeOffset> LastPingPerModel(IReadOnlyList<RecordedRequest> requests) =>
        requests.Where(r => r.Model is not null)
            .GroupBy(r => r.Model!)
            .ToDictionary(g => g.Key, g => g.Max(r => r.ReceivedAt));

    /// <summary>A distinct spelling of <c>localhost</c> per pair (bit j of i upper-cases letter j): 512 hosts, one server.</summary>
    private static string Spelling(int i) =>
        new("localhost".Select((ch, j) => (i >> j & 1) == 1 ? char.ToUpperInvariant(ch) : ch).ToArray());
}
