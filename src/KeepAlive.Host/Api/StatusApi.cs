using System.Text.Json;
using Akka.Cluster;

namespace KeepAlive.Host.Api;

/// <summary><c>GET /api/hosts</c> and <c>GET /api/cluster</c>: what the status page shows beside the pairs.</summary>
public static class StatusApi
{
    public static WebApplicationBuilder AddKeepAliveStatusApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HostDirectory>();
        builder.Services.AddSingleton<ClusterDirectory>();
        return builder;
    }

    public static IEndpointRouteBuilder MapKeepAliveStatusApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/hosts", async (HostDirectory hosts, CancellationToken cancellation) => Results.Ok(HostListJson.From(await hosts.ListAsync(cancellation))));
        api.MapGet("/cluster", async (ClusterDirectory cluster) => Results.Ok(ClusterJson.From(await cluster.ViewAsync())));
        return app;
    }
}

/// <param name="LeaseHolder">The model whose ping holds the host's lease right now, if one does.</param>
/// <param name="Waiting">Due pings waiting for the host to be idle.</param>
public sealed record HostStatusJson(string Host, string? Occupant, int RequestsInFlight, string? LeaseHolder, int Waiting, string Node);

public sealed record HostListJson(int Count, IReadOnlyList<HostStatusJson> Hosts, IReadOnlyList<string> UnreachableNodes)
{
    public static HostListJson From(HostListing listing)
    {
        var hosts = listing.Hosts
            .Select(h => new HostStatusJson(h.Status.Host, h.Status.Occupant, h.Status.RequestsInFlight, h.Status.LeaseHolder?.Model, h.Status.Waiting, h.Node))
            .ToArray();
        return new HostListJson(hosts.Length, hosts, listing.UnreachableNodes);
    }
}

/// <param name="Status">Akka's member status in kebab case: <c>joining</c>, <c>weakly-up</c>, <c>up</c>, <c>leaving</c>, <c>exiting</c>, <c>down</c>, <c>removed</c>.</param>
public sealed record ClusterMemberJson(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, int? Pairs);

public sealed record ClusterJson(string Self, string? Leader, IReadOnlyList<ClusterMemberJson> Members, IReadOnlyList<string> UnreachableNodes)
{
    public static ClusterJson From(ClusterView view) => new(
        view.Self,
        view.Leader,
        view.Members.Select(m => new ClusterMemberJson(m.Address, StatusName(m.Status), m.Roles, m.Reachable, m.Pairs)).ToArray(),
        view.UnreachableNodes);

    public static string StatusName(MemberStatus status) => JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString());
}
