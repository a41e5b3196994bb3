using Akka.Actor;
using Akka.Cluster;
using KeepAlive.Actors.Entities;

namespace KeepAlive.Host.Api;

/// <summary>An entity that a member's shard region hosts, and the path to ask it at.</summary>
/// <param name="Node">Address of the member that hosts it, as the API names nodes.</param>
public sealed record HostedEntity(string EntityId, string Node, ActorPath Path);

/// <param name="UnreachableNodes">Up members that were not asked (the cluster marks them unreachable) or did not answer.</param>
public sealed record HostedEntities(IReadOnlyList<HostedEntity> Entities, IReadOnlyList<string> UnreachableNodes);

/// <param name="CountsByNode">Entities per member that answered, by the member's address as the API names nodes.</param>
/// <param name="UnreachableNodes">As in <see cref="HostedEntities"/>.</param>
public sealed record HostedCounts(IReadOnlyDictionary<string, int> CountsByNode, IReadOnlyList<string> UnreachableNodes);

/// <summary>
/// Lists the entities of one shard region across the cluster: sharding keeps no cluster-wide list of
/// entity ids, so every Up member lists its own, in pages that fit a remoting frame
/// (<see cref="EntityGathering"/>). Entities are then asked directly at their actor's path, never through
/// the region, which would start an actor for any id it is asked about.
/// </summary>
public sealed class ShardedEntities(ActorSystem system, string regionName)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    // Above the members' own wait for their region, so a slow region is named as such rather than timed out here.
    private static readonly TimeSpan GatheringTimeout = NodeEntitiesActor.RegionAnswerTimeout + TimeSpan.FromSeconds(3);

    // Enough to ask thousands of entities in a second or two without flooding one node's mailboxes.
    private const int MaxConcurrentAsks = 16;

    public async Task<HostedEntities> ListAsync()
    {
        var (asked, unreachable) = MembersToAsk();
        var listed = await EntityGathering.GatherAsync(system, regionName, asked, GatheringTimeout);

        var entities = new List<HostedEntity>();
        foreach (var member in asked)
        {
            var node = member.ToString();
            if (!listed.TryGetValue(member, out var shards))
            {
                unreachable.Add(node);
                continue;
            }

            var region = RegionPath(member);
            foreach (var shard in shards)
            {
                // Sharding names an entity's actor by its escaped id.
                entities.AddRange(shard.EntityIds.Select(id => new HostedEntity(id, node, region / shard.ShardId / Uri.EscapeDataString(id))));
            }
        }

        return new HostedEntities(entities, unreachable);
    }

    /// <summary>How many entities each member hosts: what a count needs, without moving every id as a listing does.</summary>
    public async Task<HostedCounts> CountAsync()
    {
        var (asked, unreachable) = MembersToAsk();
        var counted = await EntityGathering.CountAsync(system, regionName, asked, GatheringTimeout);
        unreachable.AddRange(asked.Where(member => !counted.ContainsKey(member)).Select(member => member.ToString()));
        return new HostedCounts(counted.ToDictionary(count => count.Key.ToString(), count => count.Value), unreachable);
    }

    /// <returns>The Up members to ask, and those not asked because the cluster marks them unreachable.</returns>
    private (Address[] Asked, List<string> MarkedUnreachable) MembersToAsk()
    {
        var state = Cluster.Get(system).State;
        var markedUnreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
            .Select(m => m.Address)
            .ToArray();
        // A member the failure detector already gave up on would only make every listing wait for the timeout.
        return (members.Where(m => !markedUnreachable.Contains(m)).ToArray(), members.Where(markedUnreachable.Contains).Select(m => m.ToString()).ToList());
    }

    /// <summary>The entity's answer, or null when it is gone or does not answer in time.</summary>
    public async Task<T?> AskAsync<T>(HostedEntity entity, object message) where T : class
    {
        try
        {
            return await system.ActorSelection(entity.Path).Ask<T>(message, AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>Asks each entity with bounded concurrency; entities that do not answer are left out, in no particular order.</summary>
    public async Task<IReadOnlyList<(HostedEntity Entity, T Answer)>> AskEachAsync<T>(
        IEnumerable<HostedEntity> entities, Func<HostedEntity, object> message, CancellationToken cancellation) where T : class
    {
        var answers = new List<(HostedEntity, T)>();
        await Parallel.ForEachAsync(entities, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentAsks, CancellationToken = cancellation },
            async (entity, _) =>
            {
                if (await AskAsync<T>(entity, message(entity)) is not { } answer) return;
                lock (answers) answers.Add((entity, answer));
            });
        return answers;
    }

    private ActorPath RegionPath(Address member) => new RootActorPath(member) / "system" / "sharding" / regionName;
}
