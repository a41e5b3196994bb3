using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Actors.Pairs;

/// <summary>
/// When the node's schedule store answers again after an outage (<see cref="SchedulerProtocol.StoreReachableAgain"/>,
/// published by the node's writer), tells every pair living on this node to write its schedule again: the store may
/// have come back empty (a Redis restart without persistence). The writer knows nothing of pairs or regions; pairs
/// only tell the writer; this actor only tells pairs.
/// </summary>
public sealed class ScheduleRewriterActor : ReceiveActor
{
    private readonly IActorRef _pairs;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ScheduleRewriterActor(IActorRef pairs)
    {
        _pairs = pairs;
        Receive<SchedulerProtocol.StoreReachableAgain>(_ => _pairs.Tell(GetShardRegionState.Instance, Self));
        Receive<CurrentShardRegionState>(OnLocalPairs);
    }

    /// <param name="pairs">This node's pair region.</param>
    public static Props Props(IActorRef pairs) => Akka.Actor.Props.Create(() => new ScheduleRewriterActor(pairs));

    protected override void PreStart() => Context.System.EventStream.Subscribe<SchedulerProtocol.StoreReachableAgain>(Self);

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnLocalPairs(CurrentShardRegionState state)
    {
        var pairs = 0;
        foreach (var entityId in state.Shards.SelectMany(shard => shard.EntityIds))
        {
            if (!PairKey.TryParse(entityId, out var pair)) continue;
            _pairs.Tell(new PairProtocol.RewriteSchedule(pair), ActorRefs.Nobody);
            pairs++;
        }
        _log.Info("[keep-alive] asked the {Pairs} pair(s) on this node to write their schedules again", pairs);
    }
}
