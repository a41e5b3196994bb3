using System.Collections.Immutable;
using Akka.Cluster.Sharding;
using KeepAlive.Actors.Entities;
using Xunit;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Tests.Entities;

/// <summary>What a node answers for its region: the whole list or count, or that it has none, never a part.</summary>
public sealed class RegionAnswersSpecs
{
    private const string Region = "keepalive-provider";

    private static readonly ImmutableHashSet<ShardState> TwoShards =
    [
        new ShardState("3", ["a|http://h1", "b|http://h1"]),
        new ShardState("7", ["c|http://h2"]),
    ];

    [Fact]
    public void A_region_whose_shards_all_answered_is_listed_whole()
    {
        var answers = RegionAnswers.Listing(Region, new CurrentShardRegionState(TwoShards, []));

        var page = Assert.IsType<EntitiesPage>(Assert.Single(answers));
        Assert.True(page.Last);
        Assert.Equal(["a|http://h1", "b|http://h1", "c|http://h2"], page.Shards.SelectMany(shard => shard.EntityIds).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_region_with_a_shard_that_did_not_answer_is_not_listed_in_part()
    {
        var answers = RegionAnswers.Listing(Region, new CurrentShardRegionState(TwoShards, ["9", "12"]));

        var unavailable = Assert.IsType<EntitiesUnavailable>(Assert.Single(answers));
        Assert.Equal(Region, unavailable.RegionName);
        Assert.Contains("12, 9", unavailable.Reason);
    }

    [Fact]
    public void A_count_is_every_shards_entities_together()
    {
        var answers = RegionAnswers.Count(Region, new ShardRegionStats(ImmutableDictionary.CreateRange([KeyValuePair.Create("3", 2), KeyValuePair.Create("7", 40_000)]), []));

        Assert.Equal(new EntitiesCounted(40_002), Assert.Single(answers));
    }

    [Fact]
    public void A_count_missing_a_shard_is_no_count()
    {
        var answers = RegionAnswers.Count(Region, new ShardRegionStats(ImmutableDictionary.CreateRange([KeyValuePair.Create("3", 2)]), ["7"]));

        Assert.Contains("7", Assert.IsType<EntitiesUnavailable>(Assert.Single(answers)).Reason);
    }
}
