using Akka.Actor;
using KeepAlive.Actors.Entities;
using Xunit;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Tests.Entities;

/// <summary>Which members of one gathering count as listed: only those whose last page arrived.</summary>
public sealed class GatheringProgressSpecs
{
    private static readonly Address A = new("akka.tcp", "keepalive", "127.0.0.1", 4053);
    private static readonly Address B = new("akka.tcp", "keepalive", "127.0.0.1", 4054);
    private static readonly Address Stranger = new("akka.tcp", "keepalive", "127.0.0.1", 4099);

    [Fact]
    public void A_member_is_listed_with_every_page_it_sent_once_its_last_page_arrives()
    {
        var progress = new GatheringProgress([A, B]);

        progress.Add(A, new EntitiesPage([new ShardEntities("1", ["x|h1"])], Last: false));
        Assert.Empty(progress.Complete);
        progress.Add(A, new EntitiesPage([new ShardEntities("1", ["y|h1"]), new ShardEntities("2", ["z|h2"])], Last: true));

        Assert.False(progress.IsDone);
        Assert.Equal([A], progress.Complete.Keys);
        Assert.Equal(["x|h1", "y|h1", "z|h2"], progress.Complete[A].SelectMany(shard => shard.EntityIds));
    }

    [Fact]
    public void The_gathering_is_done_when_every_member_answered_in_full_or_was_given_up()
    {
        var progress = new GatheringProgress([A, B]);

        progress.Add(A, new EntitiesPage([], Last: true));
        progress.GiveUp(B);

        Assert.True(progress.IsDone);
        Assert.Equal([A], progress.Complete.Keys);
    }

    [Fact]
    public void A_member_given_up_halfway_is_missing_rather_than_listed_in_part_and_its_late_pages_are_ignored()
    {
        var progress = new GatheringProgress([A]);

        progress.Add(A, new EntitiesPage([new ShardEntities("1", ["x|h1"])], Last: false));
        progress.GiveUp(A);
        progress.Add(A, new EntitiesPage([new ShardEntities("1", ["y|h1"])], Last: true));

        Assert.True(progress.IsDone);
        Assert.Empty(progress.Complete);
    }

    [Fact]
    public void Pages_from_a_member_that_was_not_asked_are_ignored()
    {
        var progress = new GatheringProgress([A]);

        progress.Add(Stranger, new EntitiesPage([new ShardEntities("1", ["x|h1"])], Last: true));

        Assert.False(progress.IsDone);
        Assert.Empty(progress.Complete);
    }

    [Fact]
    public void Nothing_to_ask_is_done_at_once() => Assert.True(new GatheringProgress([]).IsDone);
}
