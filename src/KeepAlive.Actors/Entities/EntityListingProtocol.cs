using KeepAlive.Actors.Serialization;

namespace KeepAlive.Actors.Entities;

/// <summary>Messages of <see cref="NodeEntitiesActor"/>: one node's entities of a shard region, listed for another node.</summary>
public static class EntityListingProtocol
{
    /// <summary>
    /// Asks a node for the entities its <paramref name="RegionName"/> region hosts. Answered with one or more
    /// <see cref="EntitiesPage"/>s, the last with <c>Last</c> set, or with <see cref="EntitiesUnavailable"/>.
    /// </summary>
    public sealed record ListEntities(string RegionName) : IKeepAliveMessage;

    /// <summary>Entities of some of the node's shards; pages of one listing arrive in order, so <paramref name="Last"/> closes it.</summary>
    public sealed record EntitiesPage(IReadOnlyList<ShardEntities> Shards, bool Last) : IKeepAliveMessage
    {
        public bool Equals(EntitiesPage? other) =>
            other is not null && Last == other.Last && Shards.SequenceEqual(other.Shards);

        public override int GetHashCode() => HashCode.Combine(Shards.Count, Last);
    }

    /// <summary>
    /// Asks a node how many entities its <paramref name="RegionName"/> region hosts, without their ids (a list moves
    /// about 90 bytes a pair). Answered with <see cref="EntitiesCounted"/> or <see cref="EntitiesUnavailable"/>.
    /// </summary>
    public sealed record CountEntities(string RegionName) : IKeepAliveMessage;

    public sealed record EntitiesCounted(int Count) : IKeepAliveMessage;

    /// <summary>The node could not read its region (not started there, or it did not answer); nothing of it is listed.</summary>
    public sealed record EntitiesUnavailable(string RegionName, string Reason) : IKeepAliveMessage;

    /// <summary>Entities of one shard (a shard's entities may be split over consecutive pages).</summary>
    public sealed record ShardEntities(string ShardId, IReadOnlyList<string> EntityIds)
    {
        public bool Equals(ShardEntities? other) =>
            other is not null && ShardId == other.ShardId && EntityIds.SequenceEqual(other.EntityIds);

        public override int GetHashCode() => HashCode.Combine(ShardId, EntityIds.Count);
    }
}
