using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Actors.Providers;

/// <summary>
/// When the node's schedule store answers again after an outage (<see cref="SchedulerProtocol.StoreReachableAgain"/>,
/// published by the node's writer), tells every pair living on this node to write its schedule again: the store may
/// have come back empty (a Redis restart without persistence). The writer knows nothing of pairs or regions; pairs
/// only tell the writer; this actor only tells pairs.
/// </summary>
public sealed class ScheduleRewriterActor : ReceiveActor
{
    private readonly IActorRef _providers;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ScheduleRewriterActor(IActorRef providers)
    {
        _providers = providers;
        Receive<SchedulerProtocol.StoreReachableAgain>(_ => _providers.Tell(GetShardRegionState.Instance, Self));
        Receive<CurrentShardRegionState>(OnLocalPairs);
    }

    /// <param name="providers">This node's provider region.</param>
    public static Props Props(IActorRef providers) => Akka.Actor.Props.Create(() => new ScheduleRewriterActor(providers));

    protected override void PreStart() => Context.System.EventStream.Subscribe<SchedulerProtocol.StoreReachableAgain>(Self);

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnLocalPairs(CurrentShardRegionState state)
    {
        var pairs = 0;
        foreach (var entityId in state.Shards.SelectMany(shard => shard.EntityIds))
        {
            if (!ProviderKey.TryParse(entityId, out var pair)) continue;
            _providers.Tell(new ProviderProtocol.RewriteSchedule(pair), ActorRefs.Nobody);
            pairs++;
        }
        _log.Info("[keep-alive] asked the {Pairs} pair(s) on this node to write their schedules again", pairs);
    }
}
