using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Entities;

/// <summary>
/// Gathers (<see cref="EntityGathering.GatherAsync"/>) the entities one shard region hosts on each of some members, in pages from each member's
/// <see cref="NodeEntitiesActor"/>, and completes with the members that answered in full within the timeout.
/// One actor per gathering: it stops when done.
/// </summary>
public sealed class EntityGatheringActor : ReceiveActor, IWithTimers
{
    private sealed class TimedOut
    {
        public static readonly TimedOut Instance = new();
        private TimedOut() { }
    }

    private readonly string _regionName;
    private readonly IReadOnlyCollection<Address> _members;
    private readonly Address _self;
    private readonly TaskCompletionSource<IReadOnlyDictionary<Address, IReadOnlyList<ShardEntities>>> _done;
    private readonly TimeSpan _timeout;
    private readonly GatheringProgress _progress;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="self">This node's cluster address: a local answer carries no address of its own.</param>
    public EntityGatheringActor(
        string regionName,
        IReadOnlyCollection<Address> members,
        Address self,
        TaskCompletionSource<IReadOnlyDictionary<Address, IReadOnlyList<ShardEntities>>> done,
        TimeSpan timeout)
    {
        _regionName = regionName;
        _members = members;
        _self = self;
        _done = done;
        _timeout = timeout;
        _progress = new GatheringProgress(members);
        Receive<EntitiesPage>(page =>
        {
            _progress.Add(MemberOf(Sender), page);
            FinishWhenDone();
        });
        Receive<EntitiesUnavailable>(unavailable =>
        {
            var member = MemberOf(Sender);
            // Shown to the API's caller as an unreachable node; the reason is for whoever looks closer.
            _log.Debug("[keep-alive] {Member} did not list its {Region} region: {Reason}", member, unavailable.RegionName, unavailable.Reason);
            _progress.GiveUp(member);
            FinishWhenDone();
        });
        Receive<TimedOut>(_ => Context.Stop(Self));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        foreach (var member in _members)
            Context.ActorSelection(NodeEntitiesActor.PathOn(member)).Tell(new ListEntities(_regionName), Self);
        Timers.StartSingleTimer(TimedOut.Instance, TimedOut.Instance, _timeout);
        FinishWhenDone();
    }

    // However it stops (done, timed out, or the system shutting down), whoever waits gets what arrived in full.
    protected override void PostStop() => _done.TrySetResult(_progress.Complete);

    private Address MemberOf(IActorRef sender) => sender.Path.Address.HasLocalScope ? _self : sender.Path.Address;

    private void FinishWhenDone()
    {
        if (_progress.IsDone) Context.Stop(Self);
    }
}

/// <summary>Lists a shard region's entities across members, each member's in frame-sized pages, or counts them.</summary>
public static class EntityGathering
{
    /// <summary>
    /// The entities of <paramref name="regionName"/> on each of <paramref name="members"/> that answered in full within
    /// <paramref name="timeout"/>; a member missing from the answer is not listed (unreachable, not running
    /// keep-alive, or its region did not answer).
    /// </summary>
    public static Task<IReadOnlyDictionary<Address, IReadOnlyList<ShardEntities>>> GatherAsync(
        ActorSystem system, string regionName, IReadOnlyCollection<Address> members, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<IReadOnlyDictionary<Address, IReadOnlyList<ShardEntities>>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var self = Cluster.Get(system).SelfAddress;
        system.ActorOf(Props.Create(() => new EntityGatheringActor(regionName, members, self, done, timeout)));
        return done.Task;
    }

    /// <summary>
    /// How many entities of <paramref name="regionName"/> each of <paramref name="members"/> hosts, for those that
    /// answered within <paramref name="timeout"/>: one small answer per member, no ids moved.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Address, int>> CountAsync(
        ActorSystem system, string regionName, IReadOnlyCollection<Address> members, TimeSpan timeout)
    {
        var counts = await Task.WhenAll(members.Select(async member => (Member: member, Count: await CountOnAsync(system, regionName, member, timeout))));
        return counts.Where(answer => answer.Count is not null).ToDictionary(answer => answer.Member, answer => answer.Count!.Value);
    }

    private static async Task<int?> CountOnAsync(ActorSystem system, string regionName, Address member, TimeSpan timeout)
    {
        try
        {
            return await system.ActorSelection(NodeEntitiesActor.PathOn(member)).Ask(new CountEntities(regionName), timeout) is EntitiesCounted counted
                ? counted.Count
                : null;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
