using System.Diagnostics;
using Xunit;

namespace KeepAlive.Actors.Tests;

/// <summary>The node's standing on a clock the spec moves.</summary>
public sealed class NodeStandingSpecs
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(13);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private long _now = 1_000 * Stopwatch.Frequency;
    private bool _downed;

    [Fact]
    public void A_node_that_ticks_on_time_may_act()
    {
        var standing = Standing();

        for (var second = 0; second < 30; second++) Tick(standing, TimeSpan.FromSeconds(1));

        Assert.True(standing.MayAct);
    }

    [Fact]
    public void A_downed_node_may_not_act()
    {
        var standing = Standing();

        _downed = true;

        Assert.False(standing.MayAct);
    }

    [Fact]
    public void A_pause_shorter_than_the_threshold_changes_nothing()
    {
        var standing = Standing();

        Tick(standing, Threshold - TimeSpan.FromSeconds(1));

        Assert.True(standing.MayAct);
    }

    [Fact]
    public void Right_after_a_long_pause_and_before_the_next_tick_the_node_may_not_act()
    {
        var standing = Standing();

        Advance(Threshold + TimeSpan.FromSeconds(1));

        Assert.False(standing.MayAct);
    }

    [Fact]
    public void After_a_long_pause_the_node_waits_to_hear_from_the_cluster_then_acts_again()
    {
        var standing = Standing();
        Tick(standing, TimeSpan.FromSeconds(40));

        Tick(standing, Settle - TimeSpan.FromSeconds(1));
        Assert.False(standing.MayAct);
        Tick(standing, TimeSpan.FromSeconds(2));

        Assert.True(standing.MayAct);
    }

    private NodeStanding Standing() => new(() => _downed, Threshold, Settle, () => _now);

    private void Advance(TimeSpan by) => _now += (long)(by.TotalSeconds * Stopwatch.Frequency);

    private void Tick(NodeStanding standing, TimeSpan after)
    {
        Advance(after);
        standing.Tick();
    }
}
