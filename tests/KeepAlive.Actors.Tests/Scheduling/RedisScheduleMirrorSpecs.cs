using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Testing.TestProviders;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>
/// Real nodes writing the schedule to a real redis-server, in real time; the keys are checked with plain
/// Redis commands, as llm-router and its dashboards read them.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisScheduleMirrorSpecs(RedisServerFixture redis, ITestOutputHelper output) : ModelServerSpecs
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private ConnectionMultiplexer _raw = null!;

    private IDatabase Raw => _raw.GetDatabase();

    private string NextWakeUpKey => $"{_prefix}:providers:next_wakeup";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _raw = await redis.ConnectAsync(allowAdmin: true);
    }

    public override async Task DisposeAsync()
    {
        await _raw.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Ten_thousand_usages_of_one_pair_within_a_second_are_a_handful_of_writes_of_the_contracts_keys()
    {
        await using var connection = await redis.ConnectAsync();
        await using var node = await StartNode(connection, new SchedulerSettings { FlushInterval = TimeSpan.FromMilliseconds(200) });
        var (model, host) = ("google/gemma-3-12b-it", "http://10.0.0.5:7000");
        var before = await RedisServer.CommandCallsAsync(_raw);

        var telling = Stopwatch.StartNew();
        for (var usage = 0; usage < 10_000; usage++) node.Pairs.Tell(new RecordUsage(model, host, "1h"));
        Assert.True(telling.Elapsed < TimeSpan.FromSeconds(1), $"telling took {telling.Elapsed}");
        var lastUsage = DateTimeOffset.UtcNow;

        // The last usage's wake-up (now + 1 h + the pair's offset) is written and nothing waits.
        await Eventually.HoldsAsync(async () =>
            await Raw.SortedSetScoreAsync(NextWakeUpKey, $"{model}|{host}") >= lastUsage.ToUnixTimeSeconds() + 3600
            && (await node.SchedulerStatusAsync()).PendingWrites == 0, Generous);
        var after = await RedisServer.CommandCallsAsync(_raw);
        foreach (var command in new[] { "hset", "zadd", "sadd" })
        {
            var calls = after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
            Assert.InRange(calls, 1, 10);
        }
        Assert.Equal(
            new Dictionary<string, string> { ["model_name"] = model, ["host"] = host, ["keep_alive_seconds"] = "3600" },
            (await Raw.HashGetAllAsync($"{_prefix}:provider:{model}:{host}")).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString()));
        Assert.Equal([host], (await Raw.SetMembersAsync($"{_prefix}:model:{model}:hosts")).Select(v => v.ToString()));
    }

    [Fact]
    public async Task Unregister_removes_the_pairs_keys_and_stops_it_for_good()
    {
        await using var connection = await redis.ConnectAsync();
        // Writes far apart and sweeps often: a sweep that woke the pair before its removal is written would bring it back.
        var linger = TimeSpan.FromSeconds(3);
        await using var node = await StartNode(connection, new SchedulerSettings
        {
            FlushInterval = TimeSpan.FromSeconds(3),
            SweepInterval = TimeSpan.FromMilliseconds(300),
        }, new KeepAliveSettings { PingTimeout = TimeSpan.FromSeconds(5), UnregisteredLinger = linger });
        var (gone, kept) = (PairKey.From("gemma", "http://h1"), PairKey.From("gemma", "http://h2"));
        node.Pairs.Tell(new RecordUsage(gone, "1s"));
        node.Pairs.Tell(new RecordUsage(kept, "1s"));
        await Eventually.HoldsAsync(async () => await Raw.SortedSetLengthAsync(NextWakeUpKey) == 2, Generous);

        node.Pairs.Tell(new Unregister(gone));

        await Eventually.HoldsAsync(async () => !await Raw.KeyExistsAsync($"{_prefix}:provider:gemma:http://h1"), Generous);
        var sweepsAtRemoval = (await node.SweeperStatusAsync()).DueSweepsCompleted;
        await Eventually.HoldsAsync(async () => (await node.SweeperStatusAsync()).DueSweepsCompleted >= sweepsAtRemoval + 3, Generous);
        Assert.False(await Raw.KeyExistsAsync($"{_prefix}:provider:gemma:http://h1"));
        Assert.Null(await Raw.SortedSetScoreAsync(NextWakeUpKey, gone.EntityId));
        Assert.NotNull(await Raw.SortedSetScoreAsync(NextWakeUpKey, kept.EntityId));
        Assert.Equal(["http://h2"], (await Raw.SetMembersAsync($"{_prefix}:model:gemma:hosts")).Select(v => v.ToString()));
        // Its actor lingers as a tombstone (so no stale stored schedule can revive it), then leaves.
        await Eventually.HoldsAsync(async () => (await node.LivingPairsAsync()).SequenceEqual([kept.EntityId]), Generous);
    }

    [Fact]
    public async Task Through_a_Redis_outage_pings_go_on_and_every_change_is_written_once_Redis_is_back()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},asyncTimeout=1000");
        await using var node = await StartNode(connection, new SchedulerSettings { FlushInterval = TimeSpan.FromMilliseconds(200) },
            Provider("gemma"));
        var logs = CollectLogs(node);
        var (pinged, changed, added) = (PairKey.From("gemma", Server.Host), PairKey.From("llama", "http://h1"), PairKey.From("qwen", "http://h2"));
        node.Pairs.Tell(new RecordUsage(pinged, "1s"));
        node.Pairs.Tell(new RecordUsage(changed, "1h"));
        await Eventually.HoldsAsync(async () => await KeepAliveSecondsAsync(changed) == "3600" && await KeepAliveSecondsAsync(pinged) == "1", Generous);

        await redis.ShutdownSavingDataAsync();
        try
        {
            node.Pairs.Tell(new RecordUsage(changed, "2h"));
            node.Pairs.Tell(new RecordUsage(added, "1h"));

            var down = await Eventually.ValueAsync(() => node.SchedulerStatusAsync(), status => status.StoreUnreachable && status.PendingWrites >= 2, Generous);
            Assert.InRange(down.PendingWrites, 2, 3);
            var pingsBefore = Server.Requests.Count(r => r.Model == "gemma");
            await Server.WaitForRequestsAsync(r => r.Model == "gemma", pingsBefore + 2, Generous);
            Assert.False(redis.IsRunning);
        }
        finally
        {
            // The other specs of the class share this server: it must come back whatever happened above.
            await redis.StartWithSavedDataAsync();
        }

        await Eventually.HoldsAsync(async () => await KeepAliveSecondsAsync(changed) == "7200" && await KeepAliveSecondsAsync(added) == "3600", Generous);
        Assert.NotNull(await Raw.SortedSetScoreAsync(NextWakeUpKey, added.EntityId));
        await Eventually.ValueAsync(() => node.SchedulerStatusAsync(), status => !status.StoreUnreachable && status.PendingWrites == 0, Generous);
        Assert.Single(logs, e => e is Warning && e.Message.ToString()!.Contains("schedule store unreachable"));
        Assert.Single(logs, e => e is Info && e.Message.ToString()!.Contains("schedule store reachable again"));
    }

    [Fact]
    public async Task After_a_Redis_restart_without_persistence_the_node_writes_every_pair_it_holds_again()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},asyncTimeout=1000");
        await using var node = await StartNode(connection, new SchedulerSettings { FlushInterval = TimeSpan.FromMilliseconds(200) });
        var (before, during) = (PairKey.From("llama", "http://h1"), PairKey.From("qwen", "http://h2"));
        node.Pairs.Tell(new RecordUsage(before, "1h"));
        await Eventually.HoldsAsync(async () => await KeepAliveSecondsAsync(before) == "3600", Generous);

        await redis.StopAsync();
        node.Pairs.Tell(new RecordUsage(during, "1h"));
        await Eventually.ValueAsync(() => node.SchedulerStatusAsync(), status => status.StoreUnreachable, Generous);
        await redis.RestartAsync();

        // Nothing touched the first pair since it was written: only the node's rewrite brings it back.
        await Eventually.HoldsAsync(async () => await KeepAliveSecondsAsync(before) == "3600" && await KeepAliveSecondsAsync(during) == "3600", Generous);
        Assert.Equal(2, await Raw.SortedSetLengthAsync(NextWakeUpKey));
        Assert.True(await Raw.SetContainsAsync($"{_prefix}:model:llama:hosts", "http://h1"));
    }

    [Fact]
    public async Task A_restarted_node_pings_overdue_and_adopted_pairs_at_once_and_keeps_future_schedules_past_bad_data()
    {
        await using var connection = await redis.ConnectAsync();
        // A sweep interval longer than the test: only the sweep at start can wake the stored pairs.
        var settings = new SchedulerSettings { FlushInterval = TimeSpan.FromMilliseconds(200), SweepInterval = TimeSpan.FromMinutes(5), SweepPageSize = 2 };
        var (overdue, future, adopted) = (PairKey.From("gemma", Server.Host), PairKey.From("llama", Server.Host), PairKey.From("qwen", Server.Host));
        var providers = new[] { Provider("gemma"), Provider("llama"), Provider("qwen") };
        await using (var first = await StartNode(connection, settings, providers))
        {
            first.Pairs.Tell(new RecordUsage(overdue, "2s"));
            first.Pairs.Tell(new RecordUsage(future, "1h"));
            await Eventually.HoldsAsync(async () => await Raw.SortedSetLengthAsync(NextWakeUpKey) == 2, Generous);
        }
        var futureScore = await Raw.SortedSetScoreAsync(NextWakeUpKey, future.EntityId);
        await Eventually.HoldsAsync(async () => await Raw.SortedSetScoreAsync(NextWakeUpKey, overdue.EntityId) < DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1, Generous);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // The original router's record_usage, and data no program should have written, sorted before the good pairs.
        await Raw.HashSetAsync($"{_prefix}:provider:qwen:{Server.Host}", [new("model_name", "qwen"), new("host", Server.Host), new("keep_alive_seconds", "60")]);
        await Raw.SortedSetAddAsync(NextWakeUpKey, adopted.EntityId, now - 5);
        await Raw.SetAddAsync($"{_prefix}:model:qwen:hosts", Server.Host);
        await Raw.HashSetAsync($"{_prefix}:provider:bad:http://seconds", "keep_alive_seconds", "soon");
        await Raw.HashSetAsync($"{_prefix}:provider:bad:http://score", "keep_alive_seconds", "60");
        await Raw.SortedSetAddAsync(NextWakeUpKey,
        [
            new("no-separator", now - 60), new("bad|http://seconds", now - 60), new("bad|http://no-hash", now - 60), new("bad|http://score", -1),
        ]);
        var overduePingsBefore = Server.Requests.Count(r => r.Model == "gemma");

        await using var second = await StartNode(connection, settings, providers);

        await Server.WaitForRequestsAsync(r => r.Model == "gemma", overduePingsBefore + 1, TimeSpan.FromSeconds(15));
        await Server.WaitForRequestsAsync(r => r.Model == "qwen", 1, TimeSpan.FromSeconds(15));
        // The sweep read past every bad entry to the good pairs.
        Assert.True((await second.SweeperStatusAsync()).FullSweepsCompleted >= 1);
        var kept = await Eventually.ValueAsync(() => second.StatusAsync(future), status => status.NextWakeUp is not null, Generous);
        Assert.Equal((3600L, DateTimeOffset.FromUnixTimeSeconds((long)futureScore!.Value)), (kept.KeepAliveSeconds, kept.NextWakeUp!.Value));
        Assert.Equal("60", await KeepAliveSecondsAsync(adopted));
    }

    [Fact]
    public async Task A_stored_member_over_the_name_limit_is_skipped_with_one_short_warning_and_the_other_pairs_still_arm()
    {
        await using var connection = await redis.ConnectAsync();
        var wakeUp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var kept = new[] { PairKey.From("llama", "http://h1"), PairKey.From("qwen", "http://h2") };
        foreach (var pair in kept)
        {
            await Raw.HashSetAsync($"{_prefix}:provider:{pair.Model}:{pair.Host}",
                [new("model_name", pair.Model), new("host", pair.Host), new("keep_alive_seconds", "3600")]);
        }
        // Written by another program; at the same score it sorts first, so the sweep must read past it.
        var tooLong = $"{LongNames.OfBytes(5_000, "huge-")}|http://h3";
        await Raw.SortedSetAddAsync(NextWakeUpKey, [new(tooLong, wakeUp), .. kept.Select(pair => new SortedSetEntry(pair.EntityId, wakeUp))]);
        var lines = new ConcurrentQueue<string>();
        var toOutput = output.Sink();

        await using var node = await KeepAliveTestNode.StartAsync(new TestNodeOptions
        {
            Store = new RedisScheduleStore(connection, _prefix),
            Scheduler = new SchedulerSettings { SweepInterval = TimeSpan.FromMinutes(5), SweepPageSize = 2 }.Validate(),
            Log = line => { lines.Enqueue(line); toOutput(line); },
        });

        await Eventually.HoldsAsync(async () => (await node.LivingPairsAsync()).SequenceEqual(kept.Select(pair => pair.EntityId)), Generous);
        foreach (var pair in kept) Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(wakeUp), (await node.StatusAsync(pair)).NextWakeUp);
        var warning = Assert.Single(lines, line => line.Contains("skipped stored data") && line.Contains("huge-"));
        Assert.Contains("…(5,010 bytes) has a model name that is 5,000 bytes long in UTF-8; a model name or host may be at most 1,024; skipped.", warning);
        Assert.True(warning.Length < 400, $"{warning.Length} chars: {warning}");
    }

    private Task<KeepAliveTestNode> StartNode(IConnectionMultiplexer connection, SchedulerSettings scheduler, params ProviderConfig[] providers) =>
        StartNode(connection, scheduler, new KeepAliveSettings { PingTimeout = TimeSpan.FromSeconds(5) }, providers);

    private Task<KeepAliveTestNode> StartNode(
        IConnectionMultiplexer connection, SchedulerSettings scheduler, KeepAliveSettings settings, params ProviderConfig[] providers) =>
        KeepAliveTestNode.StartAsync(new TestNodeOptions
        {
            Store = new RedisScheduleStore(connection, _prefix),
            Scheduler = scheduler.Validate(),
            Catalog = Catalog(providers),
            Settings = settings,
            Log = output.Sink(),
        });

    private ProviderConfig Provider(string model) => TestProviders.Provider("vllm", Server.Host, model, keepAlive: "1s");

    private async Task<string?> KeepAliveSecondsAsync(PairKey pair) =>
        await Raw.HashGetAsync($"{_prefix}:provider:{pair.Model}:{pair.Host}", "keep_alive_seconds");

    /// <summary>Log events of the node from now on.</summary>
    private static ConcurrentQueue<LogEvent> CollectLogs(KeepAliveTestNode node)
    {
        var events = new ConcurrentQueue<LogEvent>();
        var collector = node.System.ActorOf(Props.Create(() => new LogCollector(events)));
        node.System.EventStream.Subscribe(collector, typeof(LogEvent));
        return events;
    }

    private sealed class LogCollector : ReceiveActor
    {
        public LogCollector(ConcurrentQueue<LogEvent> events) => Receive<LogEvent>(events.Enqueue);
    }
}
