using Akka.Actor;
using Akka.Cluster;
using KeepAlive.Actors.Entities;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Clustering;

/// <summary>With a keep-alive role, pairs live only on the nodes that have it; the others pass usage on.</summary>
public sealed class KeepAliveRoleSpecs(ITestOutputHelper output)
{
    private const string Role = "keepalive";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly KeepAliveShardingSettings Sharding = new() { Role = Role };

    [Fact]
    public async Task Pairs_never_start_on_a_node_without_the_keep_alive_role()
    {
        await using var hosting = await KeepAliveTestNode.StartAsync(new TestNodeOptions { Roles = [Role, "edge"], Sharding = Sharding, Log = output.Sink() });
        await using var apiOnly = await KeepAliveTestNode.StartAsync(new TestNodeOptions
        {
            Roles = ["edge"], Sharding = Sharding, SeedNodes = [hosting.Address], Log = output.Sink(),
        });
        await Eventually.HoldsAsync(() => Cluster.Get(hosting.System).State.Members.Count(m => m.Status == MemberStatus.Up) == 2,
            Patience, "both members up");

        // Enough pairs that, without the role, some would land on each node's shards.
        var pairs = Enumerable.Range(0, 40).Select(i => PairKey.From($"model-{i}", "http://127.0.0.1:9")).ToList();
        foreach (var pair in pairs) apiOnly.Pairs.Tell(new RecordUsage(pair, "1h"));

        var statuses = await Eventually.ValueAsync(() => apiOnly.StatusOfAllAsync(pairs), all => all.All(s => s.KeepAliveSeconds == 3600), Patience);
        Assert.All(statuses, status => Assert.Equal(hosting.Address.ToString(), status.Node));
        Assert.Equal(pairs.Select(p => p.EntityId).Order(StringComparer.Ordinal), await hosting.LivingPairsAsync());
        Assert.Empty(await apiOnly.LivingPairsAsync());

        // Listed from the node without the role, as its API would: its own (proxy) region answers with none.
        var listed = await EntityGathering.GatherAsync(apiOnly.System, KeepAliveHostingExtensions.PairRegionName, [hosting.Address, apiOnly.Address], Patience);
        Assert.Equal(pairs.Count, listed[hosting.Address].Sum(shard => shard.EntityIds.Count));
        Assert.Empty(listed[apiOnly.Address]);
        var counted = await EntityGathering.CountAsync(apiOnly.System, KeepAliveHostingExtensions.PairRegionName, [hosting.Address, apiOnly.Address], Patience);
        Assert.Equal((pairs.Count, 0), (counted[hosting.Address], counted[apiOnly.Address]));
    }
}
