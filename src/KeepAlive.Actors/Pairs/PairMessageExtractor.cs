using Akka.Cluster.Sharding;

namespace KeepAlive.Actors.Pairs;

/// <summary>Entity id <c>&lt;model&gt;|&lt;host&gt;</c>; shard from a stable hash of it.</summary>
public sealed class PairMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => (message as IWithPairKey)?.Pair.EntityId;
}

/// <summary>Registry key of the pair shard region (<c>ActorRegistry.Get&lt;PairRegion&gt;()</c>).</summary>
public sealed class PairRegion
{
    private PairRegion() { }
}
