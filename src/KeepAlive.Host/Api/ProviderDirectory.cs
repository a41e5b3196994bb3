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
/// Asking a region for a pair's status starts the pair's actor, and remember-entities would then keep
/// it forever. So a pair is asked only after it was found among the live entities: a pair that was
/// never used answers 404 and leaves nothing behind.
/// </remarks>
public sealed class ProviderDirectory(ActorSystem system, IActorRegistry registry, IScheduleStore store)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    // Enough to list thousands of pairs in a second or two without flooding one node's mailboxes.
    private const int MaxConcurrentAsks = 16;

    private static readonly string RegionPath = $"/system/sharding/{KeepAliveHostingExtensions.ProviderRegionName}";

    public async Task<ProviderListing> ListAsync(CancellationToken cancellation)
    {
        var (pairs, unreachable) = await LivePairsAsync();
        var statuses = new List<ProviderStatus>(pairs.Count);
        await Parallel.ForEachAsync(pairs, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentAsks, CancellationToken = cancellation },
            async (pair, _) =>
            {
                // A pair that does not answer in time is left out rather than failing the whole list.
                var status = await TryStatusAsync(pair);
                if (status is null) return;
                lock (statuses) statuses.Add(status);
            });
        return new ProviderListing(statuses.OrderBy(s => s.Pair.EntityId, StringComparer.Ordinal).ToArray(), unreachable);
    }

    /// <summary>The status of a live pair, or null when the cluster has no actor for it.</summary>
    public async Task<ProviderStatus?> FindAsync(ProviderKey pair)
    {
        var (pairs, _) = await LivePairsAsync();
        return pairs.Contains(pair) ? await TryStatusAsync(pair) : null;
    }

    /// <summary>True when the pair has an actor or a stored schedule (e.g. registered by another writer).</summary>
    public async Task<bool> IsKnownAsync(ProviderKey pair)
    {
        var (pairs, _) = await LivePairsAsync();
        return pairs.Contains(pair) || (await store.LoadAsync(pair)).Schedule is not null;
    }

    private async Task<(HashSet<ProviderKey> Pairs, IReadOnlyList<string> Unreachable)> LivePairsAsync()
    {
        var members = Cluster.Get(system).State.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
            .Select(m => m.Address)
            .ToArray();
        var states = await Task.WhenAll(members.Select(RegionStateAsync));

        var pairs = new HashSet<ProviderKey>();
        var unreachable = new List<string>();
        for (var i = 0; i < members.Length; i++)
        {
            if (states[i] is not { } state)
            {
                unreachable.Add(members[i].ToString());
                continue;
            }

            foreach (var entityId in state.Shards.SelectMany(shard => shard.EntityIds))
            {
                if (ProviderKey.TryParse(entityId, out var pair)) pairs.Add(pair);
            }
        }

        return (pairs, unreachable);
    }

    private async Task<CurrentShardRegionState?> RegionStateAsync(Address member)
    {
        try
        {
            return await system.ActorSelection(member + RegionPath)
                .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private async Task<ProviderStatus?> TryStatusAsync(ProviderKey pair)
    {
        try
        {
            return await registry.Get<ProviderRegion>().Ask<ProviderStatus>(new GetProviderStatus(pair), AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
