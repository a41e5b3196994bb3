using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.TestKit;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Scheduling.SchedulerProtocol;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>The node's SchedulerActor in virtual time, with a store the spec holds and fails.</summary>
public sealed class SchedulerActorSpecs : VirtualTimeSpecs
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);
    private static readonly PairKey Gemma = PairKey.From("gemma", "http://10.0.0.5:7000");
    private static readonly PairKey Llama = PairKey.From("llama", "http://10.0.0.6:11434");

    private readonly ControlledScheduleStore _store = new();
    private readonly SettableStanding _standing = new();
    private readonly TestProbe _logs;
    private readonly DateTimeOffset _wakeUp;

    public SchedulerActorSpecs(ITestOutputHelper output) : base(output, "akka.loglevel = DEBUG")
    {
        _logs = CreateTestProbe("logs");
        Sys.EventStream.Subscribe(_logs.Ref, typeof(LogEvent));
        // Whole seconds, as the store keeps them.
        _wakeUp = DateTimeOffset.FromUnixTimeSeconds(Now.ToUnixTimeSeconds() + 3600);
    }

    [Fact]
    public void Changes_to_one_pair_are_coalesced_and_the_latest_wins()
    {
        var scheduler = Start();
        for (var seconds = 1; seconds <= 100; seconds++) Mirror(scheduler, Upsert(Gemma, seconds));
        Mirror(scheduler, Upsert(Llama, 60));

        Advance(FlushInterval);

        var batch = Assert.Single(_store.Batches);
        Assert.Equal(new ScheduleChange[] { Upsert(Gemma, 100), Upsert(Llama, 60) }, batch.OrderBy(change => change.Pair.EntityId));
    }

    [Fact]
    public void A_batch_that_reaches_its_size_limit_is_written_without_waiting_for_the_interval()
    {
        var scheduler = Start(new SchedulerSettings { MaxBatchSize = 3, FlushInterval = FlushInterval, SweepInterval = SweepInterval });
        Mirror(scheduler, Upsert(Gemma, 60));
        Mirror(scheduler, Upsert(Llama, 60));
        Assert.Empty(_store.Batches);

        Mirror(scheduler, Upsert(PairKey.From("qwen", "http://10.0.0.7:8000"), 60));

        Assert.Equal(3, Assert.Single(_store.Batches).Count);
    }

    [Fact]
    public void A_failed_batch_is_kept_and_a_change_that_arrived_meanwhile_wins_over_it()
    {
        var scheduler = Start();
        var write = _store.HoldWrites = new TaskCompletionSource();
        Mirror(scheduler, Upsert(Gemma, 60));
        Mirror(scheduler, Upsert(Llama, 60));
        Advance(FlushInterval);
        Mirror(scheduler, Upsert(Gemma, 120));

        _store.HoldWrites = null;
        write.SetException(new TimeoutException("store unreachable"));
        AwaitAssert(() => Assert.True(Status(scheduler).StoreUnreachable));
        Advance(FlushInterval);

        Assert.Equal(2, _store.Batches.Count);
        Assert.Equal(new ScheduleChange[] { Upsert(Gemma, 120), Upsert(Llama, 60) }, _store.Batches[1].OrderBy(change => change.Pair.EntityId));
        Assert.Equal(new SchedulerStatus(0, false), Status(scheduler));
    }

    [Fact]
    public void Through_an_outage_pending_writes_stay_one_per_pair_and_loss_and_restore_are_logged_once_each()
    {
        var scheduler = Start();
        _store.HoldWrites = FailedWrite();
        for (var round = 1; round <= 5; round++)
        {
            foreach (var pair in new[] { Gemma, Llama }) Mirror(scheduler, Upsert(pair, 60 * round));
            Advance(FlushInterval);
        }

        Assert.Equal(5, _store.Batches.Count);
        Assert.Equal(2, Status(scheduler).PendingWrites);
        _store.HoldWrites = null;
        Advance(FlushInterval);

        Assert.Equal(new SchedulerStatus(0, false), Status(scheduler));
        Assert.Equal(new StoredSchedule(Gemma, 300, _wakeUp), Stored(Gemma));
        var logged = Drain(_logs).OfType<LogEvent>().ToList();
        Assert.Single(logged, e => e is Warning && e.Message.ToString()!.Contains("schedule store unreachable"));
        Assert.Single(logged, e => e is Info && e.Message.ToString()!.Contains("schedule store reachable again"));
    }

    [Fact]
    public void Once_the_store_is_back_after_an_outage_the_node_is_told_so_its_pairs_write_their_schedules_again()
    {
        var storeBack = CreateTestProbe("store-back");
        Sys.EventStream.Subscribe(storeBack.Ref, typeof(StoreReachableAgain));
        var scheduler = Start();
        Mirror(scheduler, Upsert(Gemma, 60));
        Advance(FlushInterval);
        Assert.Empty(Drain(storeBack));
        _store.HoldWrites = FailedWrite();
        Mirror(scheduler, Upsert(Llama, 60));
        Advance(FlushInterval);
        Assert.Empty(Drain(storeBack));

        _store.HoldWrites = null;
        Advance(FlushInterval);

        storeBack.ExpectMsg<StoreReachableAgain>();
    }

    [Fact]
    public void Writes_wait_until_clear_on_start_has_finished()
    {
        var clear = _store.HoldClear = new TaskCompletionSource();
        var scheduler = Start(new SchedulerSettings { ClearOnStart = true, FlushInterval = FlushInterval, SweepInterval = SweepInterval });
        Mirror(scheduler, Upsert(Gemma, 60));
        Advance(FlushInterval * 3);
        Assert.Empty(_store.Batches);

        clear.SetResult();
        AwaitAssert(() => { Advance(FlushInterval); Assert.Single(_store.Batches); });
        Assert.Equal(60, Stored(Gemma)?.KeepAliveSeconds);
    }

    [Fact]
    public void A_pending_change_of_a_pair_that_moved_with_its_schedule_is_not_written_here()
    {
        var scheduler = Start();
        Mirror(scheduler, Upsert(Gemma, 60));
        Mirror(scheduler, Upsert(Llama, 60));

        scheduler.Tell(new HandedOver(Gemma));
        Advance(FlushInterval);

        Assert.Equal(new ScheduleChange[] { Upsert(Llama, 60) }, Assert.Single(_store.Batches));
    }

    [Fact]
    public void Write_everything_answers_once_every_pending_change_is_in_the_store()
    {
        var scheduler = Start();
        var write = _store.HoldWrites = new TaskCompletionSource();
        Mirror(scheduler, Upsert(Gemma, 60));
        Advance(FlushInterval);
        Mirror(scheduler, Upsert(Llama, 60));

        scheduler.Tell(WriteEverything.Instance, TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _store.HoldWrites = null;
        write.SetResult();

        Assert.Equal(new AllWritten(0), ExpectMsg<AllWritten>());
        Assert.Equal(60, Stored(Llama)?.KeepAliveSeconds);
    }

    [Fact]
    public void Write_everything_does_not_hold_a_shutdown_while_the_store_is_unreachable()
    {
        var scheduler = Start();
        _store.HoldWrites = FailedWrite();
        Mirror(scheduler, Upsert(Gemma, 60));

        scheduler.Tell(WriteEverything.Instance, TestActor);

        Assert.Equal(new AllWritten(1), ExpectMsg<AllWritten>());
    }

    [Fact]
    public void A_node_without_its_standing_holds_its_writes_and_writes_them_once_it_has_it_back()
    {
        var scheduler = Start();
        _standing.MayAct = false;
        Mirror(scheduler, Upsert(Gemma, 60));
        Advance(FlushInterval * 3);
        Assert.Empty(_store.Batches);
        Assert.Single(Drain(_logs).OfType<Warning>(), warning => warning.Message.ToString()!.Contains("downed or paused"));

        _standing.MayAct = true;
        Advance(FlushInterval);

        Assert.Equal(new ScheduleChange[] { Upsert(Gemma, 60) }, Assert.Single(_store.Batches));
    }

    [Fact]
    public void Write_everything_does_not_hold_the_shutdown_of_a_downed_node_and_writes_nothing()
    {
        var scheduler = Start();
        _standing.MayAct = false;
        Mirror(scheduler, Upsert(Gemma, 60));

        scheduler.Tell(WriteEverything.Instance, TestActor);

        Assert.Equal(new AllWritten(1), ExpectMsg<AllWritten>());
        Assert.Empty(_store.Batches);
    }

    [Fact]
    public async Task A_pair_asking_what_the_store_holds_hears_of_its_own_waiting_change_or_else_what_is_stored()
    {
        var scheduler = Start();
        var check = new StoreCheck(7, BeforePing: true);
        Mirror(scheduler, Upsert(Gemma, 60));

        scheduler.Tell(new CheckStoredWakeUp(Gemma, check), TestActor);
        Assert.Equal(new StoredWakeUpChecked(check, OwnChangePending: true, null), ExpectMsg<StoredWakeUpChecked>());

        var write = _store.HoldWrites = new TaskCompletionSource();
        Advance(FlushInterval);
        scheduler.Tell(new CheckStoredWakeUp(Gemma, check), TestActor);
        Assert.True(ExpectMsg<StoredWakeUpChecked>().OwnChangePending, "a change being written is still the pair's own, not in the store yet");

        _store.HoldWrites = null;
        write.SetResult();
        await _store.Inner.ApplyAsync([Upsert(Gemma, 60)]);
        AwaitAssert(() => Assert.Equal(0, Status(scheduler).PendingWrites));
        scheduler.Tell(new CheckStoredWakeUp(Gemma, check), TestActor);
        Assert.Equal(new StoredWakeUpChecked(check, OwnChangePending: false, _wakeUp), ExpectMsg<StoredWakeUpChecked>());
    }

    [Fact]
    public void Readers_are_told_ready_only_once_clear_on_start_has_finished()
    {
        var clear = _store.HoldClear = new TaskCompletionSource();
        var scheduler = Start(new SchedulerSettings { ClearOnStart = true, FlushInterval = FlushInterval, SweepInterval = SweepInterval });

        scheduler.Tell(WhenReady.Instance, TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        clear.SetResult();

        ExpectMsg<Ready>();
    }

    private IActorRef Start(SchedulerSettings? settings = null) =>
        StartSynchronous(SchedulerActor.Props(
            _store,
            (settings ?? new SchedulerSettings { FlushInterval = FlushInterval, SweepInterval = SweepInterval }).Validate(),
            _standing));

    private static void Mirror(IActorRef scheduler, ScheduleChange change) => scheduler.Tell(new MirrorSchedule(change));

    private ScheduleChange.Upsert Upsert(PairKey pair, long seconds) => new(pair, seconds, _wakeUp);

    private static TaskCompletionSource FailedWrite()
    {
        var failed = new TaskCompletionSource();
        failed.SetException(new TimeoutException("store unreachable"));
        return failed;
    }

    // The in-memory store answers at once.
    private StoredSchedule? Stored(PairKey pair) => _store.Inner.LoadAsync(pair).GetAwaiter().GetResult().Schedule;

    private SchedulerStatus Status(IActorRef scheduler) =>
        scheduler.Ask<SchedulerStatus>(GetSchedulerStatus.Instance, TimeSpan.FromSeconds(5)).Result;
}
