using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using KeepAlive.Actors;
using KeepAlive.Actors.Providers;
using KeepAlive.Actors.Scheduling;
using static KeepAlive.Actors.Providers.ProviderProtocol;

namespace KeepAlive.Host.Api;

/// <summary>The statuses of the live pairs of the cluster, as the API lists them.</summary>
/// <param name="UnreachableNodes">Nodes whose provider region did not answer: their pairs are missing from the list.</param>
public sealed record ProviderListing(IReadOnlyList<ProviderStatus> Providers, IReadOnlyList<string> UnreachableNodes);

/// <summary>
/// Finds the cluster's pairs for the API. Sharding has no cluster-wide list of entity ids, so every
/// Up member's provider region is asked for its <see cref="ShardRegion.GetShardRegionState"/> (the
/// entity ids it hosts), then each pair for its status with bounded concurrency.
/// </summary>
/// <remarks>
/// A pair is asked directly at its actor's path (node, shard, entity), never through the shard region:
/// the region starts the actor of any pair it is asked about, and remember-entities would then keep a
/// phantom pair forever; and a status asked while a pair stops (unregistered) would be buffered by the
/// shard and restart it. Asked directly, a pair that is gone just does not answer.
/// </remarks>
public sealed class ProviderDirectory(ActorSystem system, IScheduleStore store)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    // Enough to list thousands of pairs in a second or two without flooding one node's mailboxes.
    private const int MaxConcurrentAsks = 16;

    public async Task<ProviderListing> ListAsync(CancellationToken cancellation)
    {
        var (pairs, unreachable) = await LivePairsAsync();
        var statuses = new List<ProviderStatus>(pairs.Count);
        await Parallel.ForEachAsync(pairs, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentAsks, CancellationToken = cancellation },
            async (pair, _) =>
            {
                // A pair that stopped meanwhile, or does not answer in time, is left out rather than failing the list.
                var status = await TryStatusAsync(pair.Key, pair.Value);
                if (status is null || status.State == PairState.Unregistered) return;
                lock (statuses) statuses.Add(status);
            });
        return new ProviderListing(statuses.OrderBy(s => s.Pair.EntityId, StringComparer.Ordinal).ToArray(), unreachable);
    }

    /// <summary>The status of a live pair, or null when the cluster has no actor for it (or it was unregistered).</summary>
    public async Task<ProviderStatus?> FindAsync(ProviderKey pair)
    {
        var (pairs, _) = await LivePairsAsync();
        return pairs.TryGetValue(pair, out var actor) && await TryStatusAsync(pair, actor) is { State: not PairState.Unregistered } status
            ? status
            : null;
    }

    /// <summary>True when the pair has a live, registered actor or a stored schedule (e.g. registered by another writer).</summary>
    public async Task<bool> IsKnownAsync(ProviderKey pair) =>
        await FindAsync(pair) is not null || (await store.LoadAsync(pair)).Schedule is not null;

    /// <summary>Every live pair of the cluster and the path of its actor.</summary>
    private async Task<(Dictionary<ProviderKey, ActorPath> Pairs, IReadOnlyList<string> Unreachable)> LivePairsAsync()
    {
        var members = Cluster.Get(system).State.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
            .Select(m => m.Address)
            .ToArray();
        var states = await Task.WhenAll(members.Select(RegionStateAsync));

        var pairs = new Dictionary<ProviderKey, ActorPath>();
        var unreachable = new List<string>();
        for (var i = 0; i < members.Length; i++)
        {
            if (states[i] is not { } state)
            {
                unreachable.Add(members[i].ToString());
                continue;
            }

            var region = RegionPath(members[i]);
            foreach (var shard in state.Shards)
            {
                foreach (var entityId in shard.EntityIds)
                {
                    // Sharding names an entity's actor by its escaped id.
                    if (ProviderKey.TryParse(entityId, out var pair)) pairs[pair] = region / shard.ShardId / Uri.EscapeDataString(entityId);
                }
            }
        }

        return (pairs, unreachable);
    }

    private static ActorPath RegionPath(Address member) =>
        new RootActorPath(member) / "system" / "sharding" / KeepAliveHostingExtensions.ProviderRegionName;

    private async Task<CurrentShardRegionState?> RegionStateAsync(Address member)
    {
        try
        {
            return await system.ActorSelection(RegionPath(member))
                .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private async Task<ProviderStatus?> TryStatusAsync(ProviderKey pair, ActorPath actor)
    {
        try
        {
            return await system.ActorSelection(actor).Ask<ProviderStatus>(new GetProviderStatus(pair), AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
