using Akka.Cluster.Sharding;

namespace KeepAlive.Actors.Providers;

/// <summary>Entity id <c>&lt;model&gt;|&lt;host&gt;</c>; shard from a stable hash of it.</summary>
public sealed class ProviderMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => (message as IWithProviderKey)?.Pair.EntityId;
}

/// <summary>Registry key of the provider shard region (<c>ActorRegistry.Get&lt;ProviderRegion&gt;()</c>).</summary>
public sealed class ProviderRegion
{
    private ProviderRegion() { }
}
