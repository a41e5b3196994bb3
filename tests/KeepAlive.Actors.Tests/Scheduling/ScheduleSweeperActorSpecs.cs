using System.Collections.Concurrent;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.TestKit;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pairs.PairProtocol;
using static KeepAlive.Actors.Scheduling.SchedulerProtocol;
using static KeepAlive.Actors.Scheduling.SweeperProtocol;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>
/// The cluster's sweeper in virtual time, with a store the spec fills and fails, a probe as the pair region that
/// confirms what it is handed (or holds the confirmations), and a probe as the node's writer.
/// </summary>
public sealed class ScheduleSweeperActorSpecs : VirtualTimeSpecs
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    // A cluster provider (never joined), so the sweeper can follow membership as it does in a node.
    private const string Config = """
        akka.loglevel = DEBUG
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        """;

    private readonly ControlledScheduleStore _store = new();
    private readonly TestProbe _region;
    private readonly TestProbe _writer;
    private readonly TestProbe _logs;
    private readonly ConcurrentQueue<ResumeSchedule> _handed = new();
    private readonly ConcurrentQueue<IActorRef> _unconfirmed = new();
    private volatile bool _confirm = true;

    public ScheduleSweeperActorSpecs(ITestOutputHelper output) : base(output, Config)
    {
        _region = CreateTestProbe("region");
        _region.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is ResumeSchedule resume)
            {
                _handed.Enqueue(resume);
                if (_confirm) sender.Tell(Confirmed.Instance);
                else _unconfirmed.Enqueue(sender);
            }

            return AutoPilot.KeepRunning;
        }));
        _writer = CreateTestProbe("writer");
        _writer.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is WhenReady) sender.Tell(Ready.Instance);
            return AutoPilot.KeepRunning;
        }));
        _logs = CreateTestProbe("logs");
        Sys.EventStream.Subscribe(_logs.Ref, typeof(Warning));
    }

    [Fact]
    public void At_start_every_stored_pair_is_handed_its_stored_schedule_through_every_page()
    {
        var overdue = Store("overdue", 5, Now - TimeSpan.FromMinutes(10));
        var later = Store("later", 4, Now + TimeSpan.FromHours(5));

        var sweeper = Start(pageSize: 2);

        AwaitAssert(() => Assert.Equal(1, Status(sweeper).FullSweepsCompleted));
        Assert.Equal(overdue.Concat(later).Order(), Handed().Order());
        Assert.Equal(9, Status(sweeper).PairsHandedOver);
    }

    [Fact]
    public void Every_sweep_interval_the_pairs_due_within_the_next_interval_are_handed_over_and_no_others()
    {
        var overdue = Store("overdue", 2, Now - TimeSpan.FromMinutes(10));
        var soon = Store("soon", 3, Now + SweepInterval * 2 - TimeSpan.FromSeconds(1));
        Store("later", 3, Now + SweepInterval * 2 + TimeSpan.FromSeconds(5));
        var sweeper = Start();
        AwaitAssert(() => Assert.Equal(1, Status(sweeper).FullSweepsCompleted));
        Handed();

        Advance(SweepInterval);

        AwaitAssert(() => Assert.Equal(1, Status(sweeper).DueSweepsCompleted));
        Assert.Equal(overdue.Concat(soon).Order(), Handed().Order());
    }

    [Fact]
    public void When_a_member_is_removed_every_stored_pair_is_handed_over_again_once_its_shards_can_have_a_new_home()
    {
        var stored = Store("pair", 3, Now + TimeSpan.FromHours(1));
        var sweeper = Start();
        AwaitAssert(() => Assert.Equal(1, Status(sweeper).FullSweepsCompleted));
        Handed();

        sweeper.Tell(new ClusterEvent.MemberRemoved(RemovedMember(new Address("akka.tcp", "keepalive", "127.0.0.1", 4055)), MemberStatus.Down));
        // The coordinator gives the member's shards a new home after the removal margin: half a second after it.
        var margin = Cluster.Get(Sys).DowningProvider.DownRemovalMargin;
        Status(sweeper);
        Advance(margin + TimeSpan.FromMilliseconds(499));
        Assert.Equal(1, Status(sweeper).FullSweepsCompleted);
        Advance(TimeSpan.FromMilliseconds(1));

        AwaitAssert(() => Assert.Equal(2, Status(sweeper).FullSweepsCompleted));
        Assert.Equal(stored.Order(), Handed().Order());
    }

    [Fact]
    public void Pages_are_read_only_while_the_unconfirmed_handed_over_schedules_stay_within_the_window()
    {
        Store("pair", 8, Now - TimeSpan.FromMinutes(1));
        _confirm = false;

        var sweeper = Start(pageSize: 2, inFlight: 4);

        // Two pages out, four unconfirmed: the third page waits.
        AwaitAssert(() => Assert.Equal(4, _unconfirmed.Count));
        Assert.Equal(2, _store.DueReads);
        ConfirmOne();
        Assert.Equal(2, _store.DueReads);
        ConfirmOne();

        // A whole page confirmed: the next is read, and the rest follow as they are confirmed.
        AwaitAssert(() => Assert.Equal(3, _store.DueReads));
        _confirm = true;
        AwaitAssert(() =>
        {
            while (_unconfirmed.TryDequeue(out var waiting)) waiting.Tell(Confirmed.Instance);
            Assert.Equal(1, Status(sweeper).FullSweepsCompleted);
        });
        Assert.Equal(8, Status(sweeper).PairsHandedOver);
    }

    [Fact]
    public void A_full_sweep_that_fails_is_tried_again_within_seconds()
    {
        var stored = Store("pair", 2, Now + TimeSpan.FromHours(1));
        _store.FailingDueReads = 1;

        var sweeper = Start();
        AwaitAssert(() => Assert.Equal(1, _store.DueReads));
        Assert.Equal(0, Status(sweeper).FullSweepsCompleted);
        Advance(TimeSpan.FromSeconds(5));

        AwaitAssert(() => Assert.Equal(1, Status(sweeper).FullSweepsCompleted));
        Assert.Equal(stored.Order(), Handed().Order());
    }

    [Fact]
    public void Nothing_is_read_before_the_nodes_writer_is_ready()
    {
        Store("pair", 1, Now);
        _writer.SetAutoPilot(new DelegateAutoPilot((_, _) => AutoPilot.KeepRunning));

        var sweeper = Start();
        _writer.ExpectMsg<WhenReady>();
        Advance(SweepInterval * 2);
        Assert.Equal(0, _store.DueReads);

        sweeper.Tell(Ready.Instance, _writer);
        AwaitAssert(() => Assert.Equal(1, Status(sweeper).FullSweepsCompleted));
    }

    [Fact]
    public void Unusable_stored_data_is_warned_about_once_naming_the_key_and_other_pairs_are_still_handed_over()
    {
        var due = Store("due", 3, Now - TimeSpan.FromMinutes(1));
        _store.BadData =
        [
            "keepalive:providers:next_wakeup: member 'no-separator' is not <model>|<host>; skipped.",
            "keepalive:providers:next_wakeup: member 'm|h' has score -1, not a Unix time in seconds; skipped.",
        ];
        var sweeper = Start(pageSize: 1);
        AwaitAssert(() => Assert.Equal(1, Status(sweeper).FullSweepsCompleted));
        Advance(SweepInterval);
        AwaitAssert(() => Assert.Equal(1, Status(sweeper).DueSweepsCompleted));

        Assert.Equal(due.Order(), Handed().Distinct().Order());
        var warnings = Drain(_logs).OfType<Warning>().Select(warning => warning.Message.ToString()!).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Single(warnings, warning => warning.Contains("'no-separator'"));
        Assert.Single(warnings, warning => warning.Contains("'m|h'"));
    }

    private void ConfirmOne()
    {
        if (_unconfirmed.TryDequeue(out var waiting)) waiting.Tell(Confirmed.Instance);
    }

    [Fact]
    public void Left_over_members_are_removed_through_the_nodes_writer_with_one_debug_line_each()
    {
        var leftOver = PairKey.From("off-model", "http://h1");
        _store.LeftOver = [(leftOver, "keepalive:provider:off-model:http://h1: keep_alive_seconds is 0 (off)")];
        var debug = CreateTestProbe();
        Sys.EventStream.Subscribe(debug.Ref, typeof(Debug));

        var sweeper = Start();

        AwaitAssert(() => Assert.Equal(1, Status(sweeper).FullSweepsCompleted));
        Assert.Contains(new MirrorSchedule(new ScheduleChange.Unschedule(leftOver)), Drain(_writer));
        Assert.Single(Drain(debug).OfType<Debug>(), line => line.Message.ToString()!.Contains("keep_alive_seconds is 0 (off)"));
    }

    private IActorRef Start(int pageSize = 1000, int inFlight = 10_000) => Sys.ActorOf(ScheduleSweeperActor.Props(
        _store,
        new SchedulerSettings { SweepInterval = SweepInterval, SweepPageSize = pageSize, SweepInFlight = inFlight }.Validate(),
        _region.Ref,
        _writer.Ref));

    private List<string> Store(string model, int count, DateTimeOffset wakeUp)
    {
        var pairs = Enumerable.Range(0, count).Select(index => PairKey.From($"{model}-{index}", $"http://{model}")).ToList();
        _store.Inner.ApplyAsync(pairs.Select(pair => (ScheduleChange)new ScheduleChange.Upsert(pair, 60, wakeUp)).ToList()).GetAwaiter().GetResult();
        return pairs.Select(pair => pair.EntityId).ToList();
    }

    /// <summary>The pairs handed over since the last call, each checked to carry its stored schedule.</summary>
    private List<string> Handed()
    {
        var handed = new List<string>();
        while (_handed.TryDequeue(out var resume))
        {
            var stored = _store.Inner.LoadAsync(resume.Pair).GetAwaiter().GetResult().Schedule!;
            Assert.Equal((stored.KeepAliveSeconds, stored.NextWakeUp), (resume.KeepAliveSeconds, (DateTimeOffset?)resume.NextWakeUp));
            handed.Add(resume.Pair.EntityId);
        }
        return handed;
    }

    // Akka makes members itself (the factory is internal); the event is what the cluster publishes when a node goes.
    private static Member RemovedMember(Address address) =>
        (Member)typeof(Member).GetMethod("Removed", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)!
            .Invoke(null, [new UniqueAddress(address, 1)])!;

    private static SweeperStatus Status(IActorRef sweeper) =>
        sweeper.Ask<SweeperStatus>(GetSweeperStatus.Instance, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
}
