using Akka.Actor;
using KeepAlive.Actors.Entities;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Tests.Entities;

/// <summary>
/// One gathering in virtual time. The test plays this node's lister (its answers come from a local actor, so they
/// count as this node's); the other member is an address nothing answers at.
/// </summary>
public sealed class EntityGatheringActorSpecs(ITestOutputHelper output) : VirtualTimeSpecs(output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(8);
    private static readonly Address Self = new("akka.tcp", "keepalive", "127.0.0.1", 4053);
    private static readonly Address Silent = new("akka.tcp", "keepalive", "127.0.0.1", 4054);

    private readonly TaskCompletionSource<IReadOnlyDictionary<Address, IReadOnlyList<ShardEntities>>> _done = new();

    [Fact]
    public async Task It_completes_as_soon_as_every_member_sent_its_last_page()
    {
        var gathering = Gather([Self]);

        gathering.Tell(new EntitiesPage([new ShardEntities("1", ["x|h1"])], Last: false));
        Assert.False(_done.Task.IsCompleted);
        gathering.Tell(new EntitiesPage([new ShardEntities("2", ["y|h2"])], Last: true));

        Assert.True(_done.Task.IsCompletedSuccessfully);
        Assert.Equal(["x|h1", "y|h2"], (await _done.Task)[Self].SelectMany(shard => shard.EntityIds));
    }

    [Fact]
    public async Task At_the_timeout_it_completes_with_the_members_that_answered_and_leaves_out_the_silent_one()
    {
        var gathering = Gather([Self, Silent]);
        gathering.Tell(new EntitiesPage([new ShardEntities("1", ["x|h1"])], Last: true));

        Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(_done.Task.IsCompleted);
        Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(_done.Task.IsCompletedSuccessfully);
        Assert.Equal([Self], (await _done.Task).Keys);
    }

    [Fact]
    public async Task A_member_whose_region_could_not_be_read_is_left_out_without_waiting_for_the_timeout()
    {
        var gathering = Gather([Self]);

        gathering.Tell(new EntitiesUnavailable("keepalive-provider", "the region did not answer within 5 s"));

        Assert.True(_done.Task.IsCompletedSuccessfully);
        Assert.Empty(await _done.Task);
    }

    [Fact]
    public async Task Stopped_before_its_timeout_as_when_the_node_shuts_down_it_completes_with_what_arrived_in_full()
    {
        var gathering = Gather([Self, Silent]);
        gathering.Tell(new EntitiesPage([new ShardEntities("1", ["x|h1"])], Last: true));

        Sys.Stop(gathering);

        Assert.Equal([Self], (await _done.Task.WaitAsync(TimeSpan.FromSeconds(10))).Keys);
    }

    private IActorRef Gather(IReadOnlyCollection<Address> members) =>
        StartSynchronous(Props.Create(() => new EntityGatheringActor("keepalive-provider", members, Self, _done, Timeout)));
}
