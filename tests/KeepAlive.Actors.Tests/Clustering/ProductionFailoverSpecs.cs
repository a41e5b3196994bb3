using KeepAlive.Testing;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Clustering;

/// <summary>Specs whose bounds are production timings: they run alone, after every other spec, so nothing else shares the cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProductionTimingsCollection
{
    public const string Name = "Production timings";
}

/// <summary>
/// Three real host processes, as the README starts them, on the settings a user runs (no failure detector, split
/// brain resolver or flush setting of the test's own), sharing one redis-server and one fake model server. Nodes are
/// lost the ways production loses them: SIGKILL, a frozen process (SIGSTOP) that the others down, SIGTERM.
/// </summary>
[Collection(ProductionTimingsCollection.Name)]
public sealed class ProductionFailoverSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PairCount = 60;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(3);

    /// <summary>The promise: from losing a node to every one of its pairs pinging again.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(30);

    private HostCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await HostCluster.StartAsync(nodes: 3, PairCount, KeepAlive);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_SIGKILLed_oldest_node_has_its_pairs_pinging_on_the_survivors_within_30_s_and_no_pair_is_pinged_twice()
    {
        var (oldest, second, third) = Nodes();
        var steady = await _cluster.RegisterAndSettleAsync(second, FailoverBound);
        var lost = await _cluster.PairsOnAsync(oldest, via: second);
        Assert.NotEmpty(lost);

        var crashedAt = DateTimeOffset.UtcNow;
        oldest.Crash();

        var failover = await WaitUntilPingedAfterAsync(lost, crashedAt);
        output.WriteLine($"SIGKILL of the oldest node (coordinator and sweeper included): its {lost.Count} pairs pinged again after {failover.TotalSeconds:F1} s");
        Assert.True(failover <= FailoverBound, $"failover took {failover.TotalSeconds:F1} s, the bound is {FailoverBound.TotalSeconds} s");
        await _cluster.WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow, FailoverBound);
        AssertNoPairPingedTwiceWithinAnInterval(steady);
        Assert.True((await second.Http.GetAsync("/readyz")).IsSuccessStatusCode);
        Assert.True((await third.Http.GetAsync("/readyz")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_frozen_node_is_downed_its_pairs_ping_on_the_survivors_within_30_s_and_once_it_wakes_it_exits_with_a_failing_code()
    {
        var (oldest, second, third) = Nodes();
        var steady = await _cluster.RegisterAndSettleAsync(oldest, FailoverBound);
        // Not the oldest (that is the crash spec): whichever of the others holds more pairs.
        var (youngest, lost) = (third, await _cluster.PairsOnAsync(third, via: oldest));
        if (await _cluster.PairsOnAsync(second, via: oldest) is var onSecond && onSecond.Count > lost.Count) (youngest, lost) = (second, onSecond);
        Assert.NotEmpty(lost);

        var frozenAt = DateTimeOffset.UtcNow;
        await youngest.SignalAsync("STOP");
        var failover = await WaitUntilPingedAfterAsync(lost, frozenAt);
        output.WriteLine($"SIGSTOP of a younger node: its {lost.Count} pairs pinged again on the others after {failover.TotalSeconds:F1} s");
        Assert.True(failover <= FailoverBound, $"failover took {failover.TotalSeconds:F1} s, the bound is {FailoverBound.TotalSeconds} s");

        // It wakes up to find itself removed: it must stop, and say so to its supervisor with a failing exit code.
        var wokenAt = DateTimeOffset.UtcNow;
        await youngest.SignalAsync("CONT");
        await youngest.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"the woken node exited with code {youngest.ExitCode}");
        Assert.NotEqual(0, youngest.ExitCode);

        // Its timers fired the moment it woke; it must not ping on them (it may hold pairs the others run now). Pings it
        // had already handed to the network stack when it froze still go out as it wakes: those are let through here.
        await _cluster.WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow, FailoverBound);
        AssertNoPairPingedTwiceWithinAnInterval(steady, except: (wokenAt, wokenAt + TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task A_SIGTERMed_oldest_node_leaves_gracefully_no_ping_is_missed_or_doubled_and_it_exits_cleanly()
    {
        var (oldest, second, _) = Nodes();
        var steady = await _cluster.RegisterAndSettleAsync(second, FailoverBound);
        var moved = await _cluster.PairsOnAsync(oldest, via: second);
        Assert.NotEmpty(moved);

        var leftAt = DateTimeOffset.UtcNow;
        await oldest.SignalAsync("TERM");
        await oldest.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, oldest.ExitCode);

        // Three more intervals on the survivors, then every gap is checked from the steady state on.
        await _cluster.WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow + KeepAlive * 2, FailoverBound);
        var gaps = _cluster.LongestGapAfter(moved, leftAt - KeepAlive);
        output.WriteLine($"SIGTERM of the oldest node: the longest gap between two pings of its {moved.Count} pairs was {gaps.TotalSeconds:F1} s");
        AssertNoPairPingedTwiceWithinAnInterval(steady);
        Assert.True(gaps < KeepAlive * 2, $"a moved pair waited {gaps.TotalSeconds:F1} s between two pings: a ping was missed");
    }

    /// <summary>The three nodes, oldest first.</summary>
    private (HostProcess Oldest, HostProcess Second, HostProcess Youngest) Nodes() => (_cluster.Nodes[0], _cluster.Nodes[1], _cluster.Nodes[2]);

    /// <summary>Up to twice the bound, so a miss is reported with the time it took.</summary>
    private Task<TimeSpan> WaitUntilPingedAfterAsync(IReadOnlyCollection<string> models, DateTimeOffset after) =>
        _cluster.WaitUntilPingedAfterAsync(models, after, FailoverBound * 2);

    private void AssertNoPairPingedTwiceWithinAnInterval(DateTimeOffset from, (DateTimeOffset From, DateTimeOffset To)? except = null)
    {
        var doubled = _cluster.PingedTwiceWithinHalfAnInterval(from, except);
        Assert.True(doubled.Pings.Count == 0, doubled.ToString());
    }
}
