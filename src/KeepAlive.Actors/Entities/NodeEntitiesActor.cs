using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Entities;

/// <summary>
/// Lists the entities this node's shard regions host, for any member that asks (<see cref="EntityGatheringActor"/>),
/// in <see cref="EntityPages"/> that fit a remoting frame. Asking a remote region for its state directly
/// (<see cref="GetShardRegionState"/>) gets one message with every entity id, which remoting drops once it outgrows
/// the frame: past about 1,400 pairs of typical names on a node.
/// </summary>
public sealed class NodeEntitiesActor : ReceiveActor
{
    /// <summary>Its name under <c>/user</c> on every node that runs keep-alive.</summary>
    public const string Name = "keepalive-entities";

    /// <summary>How long it waits for its own region; whoever gathers waits longer, so a slow region is named as such.</summary>
    public static readonly TimeSpan RegionAnswerTimeout = TimeSpan.FromSeconds(5);

    private sealed record RegionRead(IActorRef Requester, CurrentShardRegionState State);

    private sealed record RegionNotRead(IActorRef Requester, string RegionName, string Reason);

    private readonly bool _hostsEntities;

    /// <param name="role">The role a node needs to host keep-alive entities (null: every node hosts them).</param>
    public NodeEntitiesActor(string? role)
    {
        // A node without the role runs its regions as proxies, which host nothing and do not answer for their state.
        _hostsEntities = role is null || Cluster.Get(Context.System).SelfRoles.Contains(role);
        Receive<ListEntities>(list =>
        {
            if (_hostsEntities) ReadRegion(list.RegionName, Sender);
            else Sender.Tell(new EntitiesPage([], Last: true));
        });
        Receive<RegionRead>(read =>
        {
            var shards = read.State.Shards.Select(shard => new ShardEntities(shard.ShardId, shard.EntityIds.ToArray()));
            foreach (var page in EntityPages.Split(shards)) read.Requester.Tell(page, Self);
        });
        Receive<RegionNotRead>(failed => failed.Requester.Tell(new EntitiesUnavailable(failed.RegionName, failed.Reason), Self));
    }

    public static Props Props(string? role) => Akka.Actor.Props.Create(() => new NodeEntitiesActor(role));

    /// <summary>Where a member's <see cref="NodeEntitiesActor"/> is asked.</summary>
    public static ActorPath PathOn(Address member) => new RootActorPath(member) / "user" / Name;

    private void ReadRegion(string regionName, IActorRef requester)
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

        region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, RegionAnswerTimeout)
            .PipeTo(Self,
                success: state => new RegionRead(requester, state),
                failure: error => new RegionNotRead(requester, regionName, error is AskTimeoutException
                    ? $"the region did not answer within {RegionAnswerTimeout.TotalSeconds:0} s"
                    : error.Message));
    }
}
