using System.Collections.Immutable;
using Akka.Cluster.Sharding;
using KeepAlive.Actors.Serialization;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Entities;

/// <summary>What <see cref="NodeEntitiesActor"/> answers once its own region has answered a list or a count.</summary>
public static class RegionAnswers
{
    /// <summary>The region's entities in frame-sized pages, or why there is no list.</summary>
    public static IReadOnlyList<IKeepAliveMessage> Listing(string regionName, CurrentShardRegionState state) =>
        Incomplete(regionName, state.Failed)
        ?? EntityPages.Split(state.Shards.Select(shard => new ShardEntities(shard.ShardId, shard.EntityIds.ToArray())));

    /// <summary>How many entities the region hosts, or why there is no count.</summary>
    public static IReadOnlyList<IKeepAliveMessage> Count(string regionName, ShardRegionStats stats) =>
        Incomplete(regionName, stats.Failed) ?? [new EntitiesCounted(stats.Stats.Values.Sum())];

    // A shard that did not answer its region in time leaves out its entities: a part passed off as the node's whole
    // list would show its pairs as gone, so the node is reported as not answering instead.
    private static IReadOnlyList<IKeepAliveMessage>? Incomplete(string regionName, IImmutableSet<string>? failedShards) =>
        failedShards is not { Count: > 0 }
            ? null
            : [new EntitiesUnavailable(regionName, $"shard(s) {string.Join(", ", failedShards.Order(StringComparer.Ordinal))} did not answer the region in time")];
}
