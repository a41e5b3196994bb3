using System.Collections.Immutable;
using Akka.Cluster.Sharding;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Scheduling.SchedulerProtocol;

namespace KeepAlive.Actors.Tests.Pairs;

/// <summary>When the node's store is back, the pairs living on the node are told to write their schedules again.</summary>
public sealed class ScheduleRewriterActorSpecs(ITestOutputHelper output) : VirtualTimeSpecs(output)
{
    private static readonly PairKey Gemma = PairKey.From("gemma", "http://10.0.0.5:7000");
    private static readonly PairKey Llama = PairKey.From("llama", "http://10.0.0.6:11434");

    [Fact]
    public void Once_the_store_is_back_after_an_outage_the_pairs_on_this_node_write_their_schedules_again()
    {
        var region = CreateTestProbe("region");
        StartSynchronous(ScheduleRewriterActor.Props(region.Ref));
        Assert.Empty(Drain(region));

        Sys.EventStream.Publish(StoreReachableAgain.Instance);

        region.ExpectMsg<GetShardRegionState>();
        region.Reply(new CurrentShardRegionState(ImmutableHashSet.Create(
            new ShardState("1", ImmutableHashSet.Create(Gemma.EntityId)),
            new ShardState("2", ImmutableHashSet.Create(Llama.EntityId))), ImmutableHashSet<string>.Empty));
        var rewrites = Drain(region).OfType<PairProtocol.RewriteSchedule>().Select(rewrite => rewrite.Pair);
        Assert.Equal(new[] { Gemma, Llama }, rewrites.OrderBy(pair => pair.EntityId));
    }
}
