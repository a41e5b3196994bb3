using Akka.Actor;
using KeepAlive.Actors;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Host.Api;

/// <summary>One page of the cluster's live pairs, as the API lists them.</summary>
/// <param name="Total">Pairs that match the query's filter, on every page together.</param>
/// <param name="UnreachableNodes">Nodes whose pair region was not asked or did not answer: their pairs are missing.</param>
public sealed record PairListing(IReadOnlyList<PairStatus> Pairs, int Total, IReadOnlyList<string> UnreachableNodes);

/// <summary>
/// Finds the cluster's pairs for the API: the pair region's entities on every member
/// (<see cref="ShardedEntities"/>), then each pair's status, asked at its actor's path.
/// </summary>
/// <remarks>
/// A pair is asked directly at its actor's path (node, shard, entity), never through the shard region:
/// the region starts the actor of any pair it is asked about, so listing would create pairs nobody used;
/// and a status asked while a pair stops (unregistered) would be buffered by the shard and restart it. Asked directly, a pair that is gone just does not answer.
/// </remarks>
public sealed class PairDirectory(ActorSystem system, IScheduleStore store)
{
    private readonly ShardedEntities _region = new(system, KeepAliveHostingExtensions.PairRegionName);

    private sealed record LivePair(PairKey Pair, HostedEntity Entity);

    /// <summary>The page of pairs <paramref name="query"/> asks for; pairs that stop meanwhile or do not answer in time are left out.</summary>
    public async Task<PairListing> ListAsync(PairQuery query, CancellationToken cancellation)
    {
        var (pairs, unreachable) = await LivePairsAsync();
        var matching = pairs.Values.Where(p => query.Matches(p.Pair, p.Entity.Node)).ToList();

        // Sorted by a key column, only the page is asked; by a status column, every matching pair must answer first.
        // A pair unregistered in the last minute lingers as an actor: its row is left out, though total still counts it.
        var asked = query.NeedsEveryStatus ? matching : query.Page(query.Order(matching, p => p.Pair, p => p.Entity.Node, _ => null));
        var statuses = (await _region.AskEachAsync<PairStatus>(asked.Select(p => p.Entity), e => new GetPairStatus(pairs[e.EntityId].Pair), cancellation))
            .Select(answer => answer.Answer)
            .Where(status => status.State != PairState.Unregistered);
        var ordered = query.Order(statuses, s => s.Pair, s => s.Node, s => s);
        var page = query.NeedsEveryStatus ? query.Page(ordered) : ordered;
        return new PairListing(page.ToArray(), matching.Count, unreachable);
    }

    /// <summary>The status of a live pair, or null when the cluster has no actor for it (or it was unregistered).</summary>
    public async Task<PairStatus?> FindAsync(PairKey pair)
    {
        var (pairs, _) = await LivePairsAsync();
        return pairs.TryGetValue(pair.EntityId, out var live) &&
               await _region.AskAsync<PairStatus>(live.Entity, new GetPairStatus(pair)) is { State: not PairState.Unregistered } status
            ? status
            : null;
    }

    /// <summary>True when the pair has a live, registered actor or a stored schedule (e.g. registered by another writer).</summary>
    public async Task<bool> IsKnownAsync(PairKey pair) =>
        await FindAsync(pair) is not null || (await store.LoadAsync(pair)).Schedule is not null;

    /// <summary>Every live pair of the cluster by entity id.</summary>
    private async Task<(Dictionary<string, LivePair> Pairs, IReadOnlyList<string> Unreachable)> LivePairsAsync()
    {
        var hosted = await _region.ListAsync();
        var pairs = new Dictionary<string, LivePair>(StringComparer.Ordinal);
        foreach (var entity in hosted.Entities)
        {
            if (PairKey.TryParse(entity.EntityId, out var pair)) pairs[entity.EntityId] = new LivePair(pair, entity);
        }

        return (pairs, hosted.UnreachableNodes);
    }
}
