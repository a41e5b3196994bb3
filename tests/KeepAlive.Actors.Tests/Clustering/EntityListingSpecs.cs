using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using KeepAlive.Actors.Entities;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Tests.Fixtures;
using KeepAlive.Host.Api;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Clustering;

/// <summary>
/// Two real nodes on 127.0.0.1, each hosting more pair ids than fit one remoting frame (128,000 bytes): the API's
/// listing must still see every pair of both, which a region's whole state sent in one message could not.
/// </summary>
public sealed class EntityListingSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const int FrameBytes = 128_000;
    private const int PairCount = 3_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<KeepAliveTestNode> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    [Fact]
    public async Task The_api_lists_every_pair_of_every_node_when_a_nodes_ids_outgrow_a_remoting_frame()
    {
        var (a, b) = await StartClusterAsync();
        // Names as long as production ones get with a fine-tuned model's path and a cluster-internal host name.
        var pairs = Enumerable.Range(0, PairCount)
            .Select(i => PairKey.From($"org-{i % 13}/Llama-3.1-70B-Instruct-finetune-{i:00000}-{new string('q', 40)}", $"http://gpu-node-{i % 40:00}.cluster.internal:8000"))
            .ToList();
        await a.RegisterAsync(pairs, _ => "1h", window: 500);

        var listing = await new ShardedEntities(a.System, KeepAliveHostingExtensions.PairRegionName).ListAsync();

        Assert.Empty(listing.UnreachableNodes);
        Assert.Equal(pairs.Select(p => p.EntityId).Order(StringComparer.Ordinal), listing.Entities.Select(e => e.EntityId).Order(StringComparer.Ordinal));
        foreach (var node in new[] { a, b })
        {
            var ids = listing.Entities.Where(e => e.Node == node.Address.ToString()).Select(e => e.EntityId).ToList();
            Assert.Equal((await node.LivingPairsAsync()).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
            var bytes = ids.Sum(Encoding.UTF8.GetByteCount);
            output.WriteLine($"{node.Address}: {ids.Count} pairs, {bytes:N0} bytes of ids");
            Assert.True(bytes > FrameBytes, $"{node.Address} holds {bytes:N0} bytes of ids: too few to need more than one frame");
        }

        // What GET /api/cluster shows per member: counted by each member, no id moved.
        var counts = await new ShardedEntities(a.System, KeepAliveHostingExtensions.PairRegionName).CountAsync();
        Assert.Empty(counts.UnreachableNodes);
        foreach (var node in new[] { a, b })
            Assert.Equal((await node.LivingPairsAsync()).Count, counts.CountsByNode[node.Address.ToString()]);
    }

    [Fact]
    public async Task A_region_a_node_does_not_run_is_reported_by_that_node_before_the_list_or_count_times_out()
    {
        var (a, b) = await StartClusterAsync();

        var gathering = EntityGathering.GatherAsync(a.System, "no-such-region", [a.Address, b.Address], TimeSpan.FromMinutes(5));

        var listed = await gathering.WaitAsync(Patience);
        Assert.Empty(listed);
        var counted = await EntityGathering.CountAsync(a.System, "no-such-region", [a.Address, b.Address], TimeSpan.FromMinutes(5)).WaitAsync(Patience);
        Assert.Empty(counted);
    }

    private async Task<(KeepAliveTestNode A, KeepAliveTestNode B)> StartClusterAsync()
    {
        var seed = await StartNodeAsync([]);
        var second = await StartNodeAsync([seed.Address]);
        await Eventually.HoldsAsync(() => Cluster.Get(seed.System).State.Members.Count(m => m.Status == MemberStatus.Up) == 2,
            Patience, "both members up");
        // Until the coordinator knows both regions, it gives every new shard to the first.
        await Eventually.HoldsAsync(async () => (await seed.Pairs.Ask<CurrentRegions>(GetCurrentRegions.Instance, Patience)).Regions.Count == 2,
            Patience, "both pair regions registered with the coordinator");
        return (seed, second);
    }

    private async Task<KeepAliveTestNode> StartNodeAsync(IReadOnlyList<Address> seeds)
    {
        var node = await KeepAliveTestNode.StartAsync(new TestNodeOptions { SeedNodes = seeds, Log = output.Sink() });
        _nodes.Add(node);
        return node;
    }
}
