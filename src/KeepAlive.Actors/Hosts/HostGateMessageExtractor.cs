using Akka.Cluster.Sharding;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Hosts;

/// <summary>Entity id = the host, spelt as <see cref="PairKey"/> spells it, so every spelling meets one gate.</summary>
public sealed class HostGateMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) =>
        message is IWithHost withHost ? PairKey.NormalizeHost(withHost.Host) : null;
}

/// <summary>Registry key of the host gate shard region.</summary>
public sealed class HostGateRegion
{
    private HostGateRegion() { }
}
