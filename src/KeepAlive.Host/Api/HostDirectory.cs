using Akka.Actor;
using KeepAlive.Actors;
using static KeepAlive.Actors.Hosts.HostGateProtocol;

namespace KeepAlive.Host.Api;

/// <summary>A host's gate: its occupant model, real requests in flight and ping lease, and the node it lives on.</summary>
public sealed record ListedHost(HostStatus Status, string Node);

/// <param name="UnreachableNodes">Nodes whose host region was not asked or did not answer: their hosts are missing.</param>
public sealed record HostListing(IReadOnlyList<ListedHost> Hosts, IReadOnlyList<string> UnreachableNodes);

/// <summary>
/// Lists the hosts the cluster has a gate for (a host gets one when a pair on it is first used). Gates are
/// asked at their actor's path like pairs: asked through the region, a host that has none would get one.
/// There is one gate per model server, so the list is short and is never paged.
/// </summary>
public sealed class HostDirectory(ActorSystem system)
{
    private readonly ShardedEntities _region = new(system, KeepAliveHostingExtensions.HostGateRegionName);

    public async Task<HostListing> ListAsync(CancellationToken cancellation)
    {
        var hosted = await _region.ListAsync();
        var answers = await _region.AskEachAsync<HostStatus>(hosted.Entities, gate => new GetHostStatus(gate.EntityId), cancellation);
        var hosts = answers
            .Select(answer => new ListedHost(answer.Answer, answer.Entity.Node))
            .OrderBy(host => host.Status.Host, StringComparer.OrdinalIgnoreCase)
            .ToArray();
        return new HostListing(hosts, hosted.UnreachableNodes);
    }
}
