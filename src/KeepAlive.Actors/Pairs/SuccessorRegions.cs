using Akka.Actor;
using Akka.Cluster;

namespace KeepAlive.Actors.Pairs;

/// <summary>Where a pair that sharding moves away from this node hands its schedule over.</summary>
public interface ISuccessorRegions
{
    /// <summary>Another node's pair region, which delivers to the pair's new home; null when there is no other node.</summary>
    ICanTell? For(PairKey pair);
}

/// <summary>
/// Picks another Up member's pair region. Not this node's own: during a graceful leave it stops right after its
/// shards are handed off and could drop what it buffers. Any other region will do: during the handoff it buffers
/// messages for the shard until the coordinator has given the shard its new home, then delivers them there.
/// </summary>
public sealed class ClusterSuccessorRegions(ActorSystem system, string regionName, string? role) : ISuccessorRegions
{
    public ICanTell? For(PairKey pair)
    {
        var cluster = Cluster.Get(system);
        var others = cluster.State.Members
            .Where(member => member.Status == MemberStatus.Up && member.Address != cluster.SelfAddress && (role is null || member.HasRole(role)))
            .Select(member => member.Address)
            .OrderBy(address => address.ToString(), StringComparer.Ordinal)
            .ToList();
        if (others.Count == 0) return null;
        // Spread the hand-overs of many pairs over the other nodes, the same node for the same pair.
        var peer = others[(int)((uint)pair.EntityId.GetHashCode() % (uint)others.Count)];
        return system.ActorSelection(new RootActorPath(peer) / "system" / "sharding" / regionName);
    }
}
