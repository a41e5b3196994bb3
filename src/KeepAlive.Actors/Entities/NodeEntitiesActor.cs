using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using KeepAlive.Actors.Serialization;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Entities;

/// <summary>
/// Lists or counts the entities this node's shard regions host, for any member that asks (<see cref="EntityGathering"/>).
/// A list comes in <see cref="EntityPages"/> that fit a remoting frame: asking a remote region for its state directly
/// (<see cref="GetShardRegionState"/>) gets one message with every entity id, which remoting drops once it outgrows
/// the frame, past about 1,400 pairs of typical names on a node.
/// </summary>
public sealed class NodeEntitiesActor : ReceiveActor
{
    /// <summary>Its name under <c>/user</c> on every node that runs keep-alive.</summary>
    public const string Name = "keepalive-entities";

    /// <summary>How long it waits for its own region; whoever gathers waits longer, so a slow region is named as such.</summary>
    public static readonly TimeSpan RegionAnswerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>What the region answered, turned into the replies for <paramref name="Requester"/>.</summary>
    private sealed record RegionAnswered(IActorRef Requester, IReadOnlyList<IKeepAliveMessage> Replies);

    private readonly bool _hostsEntities;

    /// <param name="role">The role a node needs to host keep-alive entities (null: every node hosts them).</param>
    public NodeEntitiesActor(string? role)
    {
        // A node without the role runs its regions as proxies, which host nothing and do not answer for their state.
        _hostsEntities = role is null || Cluster.Get(Context.System).SelfRoles.Contains(role);
        Receive<ListEntities>(list =>
        {
            if (!_hostsEntities) Sender.Tell(new EntitiesPage([], Last: true));
            else AskRegion<CurrentShardRegionState>(list.RegionName, GetShardRegionState.Instance, Sender, state => RegionAnswers.Listing(list.RegionName, state));
        });
        Receive<CountEntities>(count =>
        {
            if (!_hostsEntities) Sender.Tell(new EntitiesCounted(0));
            else AskRegion<ShardRegionStats>(count.RegionName, GetShardRegionStats.Instance, Sender, stats => RegionAnswers.Count(count.RegionName, stats));
        });
        Receive<RegionAnswered>(answered =>
        {
            foreach (var reply in answered.Replies) answered.Requester.Tell(reply, Self);
        });
    }

    public static Props Props(string? role) => Akka.Actor.Props.Create(() => new NodeEntitiesActor(role));

    /// <summary>Where a member's <see cref="NodeEntitiesActor"/> is asked.</summary>
    public static ActorPath PathOn(Address member) => new RootActorPath(member) / "user" / Name;

    private void AskRegion<TAnswer>(string regionName, object query, IActorRef requester, Func<TAnswer, IReadOnlyList<IKeepAliveMessage>> replies)
    {
        IActorRef region;
        try
        {
            region = ClusterSharding.Get(Context.System).ShardRegion(regionName);
        }
        catch (ArgumentException)
        {
            requester.Tell(new EntitiesUnavailable(regionName, "no such region runs on this node"));
            return;
        }

        region.Ask<TAnswer>(query, RegionAnswerTimeout)
            .PipeTo(Self,
                success: answer => new RegionAnswered(requester, replies(answer)),
                failure: error => new RegionAnswered(requester, [new EntitiesUnavailable(regionName, error is AskTimeoutException
                    ? $"the region did not answer within {RegionAnswerTimeout.TotalSeconds:0} s"
                    : error.Message)]));
    }
}
