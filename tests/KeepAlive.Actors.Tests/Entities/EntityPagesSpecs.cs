using KeepAlive.Actors.Entities;
using Xunit;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Tests.Entities;

/// <summary>How a node's entities are cut into pages that each fit one remoting frame.</summary>
public sealed class EntityPagesSpecs
{
    [Fact]
    public void A_region_with_no_entities_is_one_empty_last_page()
    {
        var pages = EntityPages.Split([]);

        Assert.Equal([new EntitiesPage([], Last: true)], pages);
    }

    [Fact]
    public void Every_entity_arrives_once_in_order_with_its_shard_and_only_the_final_page_is_last()
    {
        var shards = Enumerable.Range(0, 40)
            .Select(shard => new ShardEntities($"{shard}", Enumerable.Range(0, 250).Select(i => $"model-{shard}-{i}|http://gpu-{i % 7}.internal:8000").ToArray()))
            .ToArray();

        var pages = EntityPages.Split(shards);

        Assert.True(pages.Count > 1, $"{pages.Count} page(s) for 10,000 entities");
        Assert.All(pages.SkipLast(1), page => Assert.False(page.Last));
        Assert.True(pages[^1].Last);
        var listed = pages.SelectMany(page => page.Shards).SelectMany(shard => shard.EntityIds.Select(id => (shard.ShardId, id)));
        var expected = shards.SelectMany(shard => shard.EntityIds.Select(id => (shard.ShardId, id)));
        Assert.Equal(expected, listed);
    }

    [Fact]
    public void No_page_carries_more_than_the_budget_and_a_shard_may_continue_on_the_next_page()
    {
        var ids = Enumerable.Range(0, 100).Select(i => $"m{i:000}|hhh").ToArray(); // 8 characters: 10 bytes in JSON, 11 with the comma

        var pages = EntityPages.Split([new ShardEntities("7", ids)], budget: 32 + 3 + 11 * 10);

        Assert.Equal(10, pages.Count);
        Assert.All(pages, page => Assert.Equal(["7"], page.Shards.Select(shard => shard.ShardId)));
        Assert.All(pages, page => Assert.Equal(10, page.Shards.Single().EntityIds.Count));
    }

    [Fact]
    public void An_entity_larger_than_the_budget_still_gets_a_page_of_its_own()
    {
        var huge = new string('x', 500);

        var pages = EntityPages.Split([new ShardEntities("1", ["a|b", huge, "c|d"])], budget: 100);

        Assert.Equal([["a|b"], [huge], ["c|d"]], pages.Select(page => page.Shards.Single().EntityIds.ToArray()));
    }

    [Theory]
    [InlineData("gemma|http://10.0.0.5:7000/", 27 + 2)]
    [InlineData("a<b", 1 + 6 + 1 + 2)]
    [InlineData("é", 6 + 2)]
    [InlineData("\"\\", 12 + 2)]
    public void The_wire_size_of_a_text_counts_six_bytes_for_each_character_the_encoder_escapes(string text, int bytes) =>
        Assert.Equal(bytes, EntityPages.WireBytes(text));
}
