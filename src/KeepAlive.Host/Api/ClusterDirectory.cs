using Akka.Actor;
using Akka.Cluster;
using KeepAlive.Actors;

namespace KeepAlive.Host.Api;

/// <summary>A cluster member as the API shows it.</summary>
/// <param name="Pairs">Pairs living on the member; null when it was not asked or did not answer.</param>
public sealed record ClusterMember(string Address, MemberStatus Status, IReadOnlyList<string> Roles, bool Reachable, int? Pairs);

/// <param name="Leader">The member that moves others in and out of the cluster; null while there is none.</param>
public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<ClusterMember> Members, IReadOnlyList<string> UnreachableNodes);

/// <summary>
/// This node's view of the cluster: every member with its status, whether the failure detector reaches
/// it, and how many pairs live on it (each member counts its own: no pair is asked and no id moves).
/// </summary>
public sealed class ClusterDirectory(ActorSystem system)
{
    // Every cluster member carries a role naming its data center; it is Akka's bookkeeping, not the operator's.
    private const string DataCenterRolePrefix = "dc-";

    private readonly ShardedEntities _providers = new(system, KeepAliveHostingExtensions.PairRegionName);

    public async Task<ClusterView> ViewAsync()
    {
        var hosted = await _providers.CountAsync();
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var notAnswering = hosted.UnreachableNodes.ToHashSet();

        var members = state.Members
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m =>
            {
                var address = m.Address.ToString();
                int? pairs = m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && !notAnswering.Contains(address)
                    ? hosted.CountsByNode.GetValueOrDefault(address)
                    : null;
                return new ClusterMember(address, m.Status, m.Roles.Where(r => !r.StartsWith(DataCenterRolePrefix, StringComparison.Ordinal)).Order().ToArray(),
                    !unreachable.Contains(m.Address), pairs);
            })
            .ToArray();
        return new ClusterView(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, hosted.UnreachableNodes);
    }
}
