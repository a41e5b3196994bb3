using System.Globalization;
using Akka.Actor;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pairs.PairProtocol;
using static KeepAlive.Testing.TestProviders;

namespace KeepAlive.Actors.Tests.Router;

/// <summary>
/// A real node on a real redis-server that an unmodified llm-router writes too: the router's writes are made here with
/// raw commands, exactly as its keep-alive monitor and its strategy write them, and the fake model server shows what
/// the service pings.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RouterBesideSpecs(RedisServerFixture redis, ITestOutputHelper output) : ModelServerSpecs
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private const string Model = "google/gemma-3-12b-it";

    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private ConnectionMultiplexer _raw = null!;

    private IDatabase Raw => _raw.GetDatabase();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _raw = await redis.ConnectAsync();
    }

    public override async Task DisposeAsync()
    {
        await _raw.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_wake_up_the_router_moved_later_is_waited_for_instead_of_pinging_and_not_overwritten()
    {
        await using var connection = await redis.ConnectAsync();
        await using var node = await StartNode(connection, new SchedulerSettings { FlushInterval = TimeSpan.FromMilliseconds(200) });
        var pair = PairKey.From(Model, Server.Host);
        node.Pairs.Tell(new RecordUsage(pair, "5s"));
        await Server.WaitForRequestsAsync(r => r.Model == Model, 1, Generous);
        // A moment when nothing of the pair's own waits to be written and its next ping (and write) is seconds away:
        // a change of its own still waiting would rightly win over the router's.
        await Eventually.HoldsAsync(async () =>
            (await node.StatusAsync(pair)) is { State: PairState.Scheduled, LastPing: not null } status && status.NextWakeUp > DateTimeOffset.UtcNow.AddSeconds(3)
            && (await node.SchedulerStatusAsync()).PendingWrites == 0, Generous);

        var routerWakeUp = DateTimeOffset.UtcNow.AddSeconds(15);
        await RouterRecordUsageAsync(pair, seconds: 5, routerWakeUp);
        var pingsBefore = Server.Requests.Count(r => r.Model == Model);

        await Server.WaitForRequestsAsync(r => r.Model == Model, pingsBefore + 1, Generous);
        var next = Server.Requests.Where(r => r.Model == Model).Skip(pingsBefore).First();
        output.WriteLine($"router's wake-up {routerWakeUp:HH:mm:ss}, next ping {next.ReceivedAt:HH:mm:ss.fff}");
        // Without the read before the ping, two pings would have come before the router's time.
        Assert.True(next.ReceivedAt >= DateTimeOffset.FromUnixTimeSeconds(routerWakeUp.ToUnixTimeSeconds()) - TimeSpan.FromMilliseconds(50),
            $"pinged at {next.ReceivedAt:O}, before the router's wake-up {routerWakeUp:O}");
    }

    [Fact]
    public async Task The_periodic_sweep_brings_a_living_pairs_wake_up_forward_to_what_the_router_stored()
    {
        await using var connection = await redis.ConnectAsync();
        await using var node = await StartNode(connection,
            new SchedulerSettings { FlushInterval = TimeSpan.FromMilliseconds(200), SweepInterval = TimeSpan.FromSeconds(1) });
        var pair = PairKey.From(Model, Server.Host);
        node.Pairs.Tell(new RecordUsage(pair, "1h"));
        await Eventually.HoldsAsync(async () => (await node.StatusAsync(pair)).NextWakeUp is not null && (await node.SchedulerStatusAsync()).PendingWrites == 0, Generous);

        var routerWakeUp = DateTimeOffset.UtcNow.AddSeconds(3);
        await RouterRecordUsageAsync(pair, seconds: 3600, routerWakeUp);

        await Server.WaitForRequestsAsync(r => r.Model == Model, 1, Generous);
        var ping = Server.Requests.First(r => r.Model == Model);
        Assert.True(ping.ReceivedAt >= DateTimeOffset.FromUnixTimeSeconds(routerWakeUp.ToUnixTimeSeconds()) - TimeSpan.FromMilliseconds(50),
            $"pinged at {ping.ReceivedAt:O}, before the router's wake-up {routerWakeUp:O}");
    }

    [Fact]
    public async Task The_sweep_removes_stored_members_that_are_off_or_have_no_hash_as_the_original_does_and_keeps_the_rest()
    {
        await using var connection = await redis.ConnectAsync();
        await using var node = await StartNode(connection,
            new SchedulerSettings { FlushInterval = TimeSpan.FromMilliseconds(200), SweepInterval = TimeSpan.FromSeconds(1) });
        var (off, noHash, kept) = (PairKey.From("off-model", "http://h1"), PairKey.From("gone-model", "http://h2"), PairKey.From(Model, Server.Host));
        var soon = DateTimeOffset.UtcNow.AddSeconds(1);
        // The router's record_usage of a provider whose keep_alive is off writes 0; a member can outlive its hash.
        await RouterRecordUsageAsync(off, seconds: 0, soon);
        await Raw.SortedSetAddAsync(NextWakeUpKey, noHash.EntityId, soon.ToUnixTimeSeconds());
        await RouterRecordUsageAsync(kept, seconds: 3600, DateTimeOffset.UtcNow.AddHours(1));

        await Eventually.HoldsAsync(async () =>
            await Raw.SortedSetScoreAsync(NextWakeUpKey, off.EntityId) is null && await Raw.SortedSetScoreAsync(NextWakeUpKey, noHash.EntityId) is null,
            Generous, "the left-over members removed");

        Assert.NotNull(await Raw.SortedSetScoreAsync(NextWakeUpKey, kept.EntityId));
        Assert.Equal("0", await Raw.HashGetAsync($"{_prefix}:provider:{off.Model}:{off.Host}", "keep_alive_seconds"));
        Assert.Empty(Server.Requests);
    }

    private string NextWakeUpKey => $"{_prefix}:providers:next_wakeup";

    /// <summary>The router's <c>KeepAliveMonitor.record_usage</c>: HSET of the hash, ZADD of the wake-up, SADD of the host, in one transaction.</summary>
    private async Task RouterRecordUsageAsync(PairKey pair, long seconds, DateTimeOffset wakeUp)
    {
        var transaction = Raw.CreateTransaction();
        _ = transaction.HashSetAsync($"{_prefix}:provider:{pair.Model}:{pair.Host}",
        [
            new("model_name", pair.Model), new("host", pair.Host), new("keep_alive_seconds", seconds.ToString(CultureInfo.InvariantCulture)),
        ]);
        _ = transaction.SortedSetAddAsync(NextWakeUpKey, pair.EntityId, wakeUp.ToUnixTimeSeconds());
        _ = transaction.SetAddAsync($"{_prefix}:model:{pair.Model}:hosts", pair.Host);
        Assert.True(await transaction.ExecuteAsync());
    }

    private Task<KeepAliveTestNode> StartNode(IConnectionMultiplexer connection, SchedulerSettings scheduler) =>
        KeepAliveTestNode.StartAsync(new TestNodeOptions
        {
            Store = new RedisScheduleStore(connection, _prefix),
            Scheduler = scheduler.Validate(),
            Catalog = Catalog(Provider("vllm", Server.Host, model: Model)),
            Settings = new KeepAliveSettings { PingTimeout = TimeSpan.FromSeconds(5) },
            Log = output.Sink(),
        });
}
