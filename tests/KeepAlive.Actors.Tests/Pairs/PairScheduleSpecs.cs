using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using Xunit;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Pairs;

/// <summary>A pair's rules as plain values: each input, the next schedule and the decisions, without an actor system.</summary>
public sealed class PairScheduleSpecs
{
    private static readonly PairKey Pair = PairKey.From("google/gemma-3-12b-it", "http://10.0.0.5:7000");
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);
    private static readonly PingTarget Vllm = new PingTarget.Pingable("vllm");

    // No offset unless a spec asks for one: the times below read as the rules state them.
    private static readonly KeepAliveSettings Settings = new() { SpreadFraction = 0 };

    [Fact]
    public void Usage_schedules_the_next_ping_one_interval_later_occupies_the_host_and_is_written()
    {
        var step = Fresh().OnUsage(Every(Interval), T0);

        Assert.Equal(new PairPhase.Scheduled(T0 + Interval), step.Schedule.Phase);
        Assert.True(step.Decisions.OccupyHost);
        Assert.Equal(T0 + Interval, step.Decisions.WakeAt);
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, T0 + Interval), step.Decisions.Mirror);
    }

    [Fact]
    public void Every_wake_up_carries_the_pairs_offset()
    {
        var settings = new KeepAliveSettings { SpreadFraction = 0.05, MaxSpread = TimeSpan.FromSeconds(10) };
        var offset = PingSpread.OffsetFor(Pair, Interval, settings);
        Assert.NotEqual(TimeSpan.Zero, offset);

        var step = PairSchedule.Fresh(Pair, settings).OnUsage(Every(Interval), T0);

        Assert.Equal(T0 + Interval + offset, step.Schedule.NextWakeUp);
    }

    [Fact]
    public void A_due_pair_asks_its_hosts_gate_for_a_lease_with_a_new_attempt()
    {
        var due = Scheduled().OnDue(T0 + Interval, Vllm);

        Assert.Equal(new PairPhase.AwaitingHost(T0 + Interval, 1), due.Schedule.Phase);
        Assert.Equal(1, due.Decisions.RequestLease);
        Assert.Null(due.Decisions.Mirror);
    }

    [Fact]
    public void A_wake_up_before_the_due_time_only_waits_for_the_rest()
    {
        var scheduled = Scheduled().OnUsage(Every(Interval), T0 + TimeSpan.FromSeconds(30)).Schedule;

        var early = scheduled.OnDue(T0 + Interval, Vllm);

        Assert.Same(scheduled, early.Schedule);
        Assert.Equal(new PairDecisions { WakeAt = T0 + TimeSpan.FromSeconds(30) + Interval }, early.Decisions);
    }

    [Fact]
    public void A_busy_host_postpones_the_ping_by_one_interval_and_says_why()
    {
        var awaiting = Awaiting();

        var busy = awaiting.OnHostBusy(1, "llama", T0 + Interval);

        Assert.Equal(new PairPhase.Scheduled(T0 + Interval * 2), busy.Schedule.Phase);
        Assert.Equal("host busy with llama", busy.Schedule.LastSkip);
        Assert.Equal(new PairMetric.PingSkipped("host_busy"), busy.Decisions.Metric);
        Assert.Equal(Akka.Event.LogLevel.InfoLevel, busy.Decisions.Log!.Level);
    }

    [Fact]
    public void An_answer_to_an_older_attempt_is_ignored_or_its_lease_given_back()
    {
        var awaiting = Awaiting().OnLeaseWaitExpired(1).Schedule;

        Assert.Same(awaiting, awaiting.OnHostBusy(1, "llama", T0 + Interval).Schedule);
        var staleGrant = awaiting.OnLeaseGranted(1, T0 + Interval, Vllm);
        Assert.Same(awaiting, staleGrant.Schedule);
        Assert.Equal(new PairDecisions { ReleaseLease = 1 }, staleGrant.Decisions);
    }

    [Fact]
    public void A_lease_wait_without_an_answer_asks_again_under_a_new_attempt()
    {
        var again = Awaiting().OnLeaseWaitExpired(1);

        Assert.Equal(new PairPhase.AwaitingHost(T0 + Interval, 2), again.Schedule.Phase);
        Assert.Equal(new PairDecisions { RequestLease = 2 }, again.Decisions);
    }

    [Fact]
    public void A_granted_lease_sends_one_ping_and_writes_the_next_wake_up_before_the_outcome()
    {
        var pingAt = T0 + Interval + TimeSpan.FromMilliseconds(40);

        var granted = Awaiting().OnLeaseGranted(1, pingAt, Vllm);

        Assert.Equal(new PairPhase.Pinging(1, pingAt, "vllm"), granted.Schedule.Phase);
        Assert.True(granted.Decisions.SendPing);
        // Written now: a successor after a crash mid-ping waits an interval instead of pinging again at once.
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, pingAt + Interval), granted.Decisions.Mirror);
        Assert.Equal(new PairMetric.PingSent("vllm", TimeSpan.FromMilliseconds(40)), granted.Decisions.Metric);
    }

    [Fact]
    public void A_pair_whose_provider_went_away_while_it_waited_gives_the_lease_back_and_says_why()
    {
        var granted = Awaiting().OnLeaseGranted(1, T0 + Interval, new PingTarget.NotPingable("no provider in models-config for this model and host"));

        Assert.Equal(1, granted.Decisions.ReleaseLease);
        Assert.False(granted.Decisions.SendPing);
        Assert.Equal(PairState.Unconfigured, granted.Schedule.Status("n").State);
        Assert.Equal(T0 + Interval * 2, granted.Schedule.NextWakeUp);
    }

    [Fact]
    public void Success_schedules_one_interval_after_the_ping_ended_and_gives_the_lease_back()
    {
        var pinging = Pinging(at: T0 + Interval);

        // A slow ping (a cold load) is not followed at once by another: the interval counts from its end.
        var succeeded = pinging.OnPingSucceeded(200, TimeSpan.FromSeconds(3), T0 + Interval + TimeSpan.FromSeconds(3));

        Assert.Equal(new PairPhase.Scheduled(T0 + Interval * 2 + TimeSpan.FromSeconds(3)), succeeded.Schedule.Phase);
        Assert.Equal(1, succeeded.Decisions.ReleaseLease);
        Assert.Equal(new LastPing(T0 + Interval, true, 200, TimeSpan.FromSeconds(3), null), succeeded.Schedule.LastPing);
        Assert.Equal(new PairMetric.PingSucceeded("vllm", TimeSpan.FromSeconds(3)), succeeded.Decisions.Metric);
    }

    [Fact]
    public void A_sent_and_a_successful_ping_log_at_debug_a_failed_one_stays_visible()
    {
        var granted = Awaiting().OnLeaseGranted(1, T0 + Interval, Vllm);
        var succeeded = granted.Schedule.OnPingSucceeded(200, TimeSpan.FromMilliseconds(12), T0 + Interval + TimeSpan.FromMilliseconds(12));
        var failed = granted.Schedule.OnPingFailed(PingFailureReason.HttpStatus, 503, TimeSpan.FromMilliseconds(12), "HTTP 503", T0 + Interval);

        Assert.Equal(Akka.Event.LogLevel.DebugLevel, granted.Decisions.Log!.Level);
        Assert.Equal("pinging {Model} at {Host} ({ApiType})", granted.Decisions.Log.Template);
        Assert.Equal(new object?[] { Pair.Model, Pair.Host, "vllm" }, granted.Decisions.Log.Args);
        Assert.Equal(Akka.Event.LogLevel.DebugLevel, succeeded.Decisions.Log!.Level);
        Assert.Equal("ping of {Model} at {Host} succeeded: HTTP {Status} in {LatencyMs} ms", succeeded.Decisions.Log.Template);
        Assert.Equal(new object?[] { Pair.Model, Pair.Host, 200, 12L }, succeeded.Decisions.Log.Args);
        Assert.Equal(Akka.Event.LogLevel.InfoLevel, failed.Decisions.Log!.Level);
    }

    [Fact]
    public void Usage_during_a_ping_keeps_the_ping_and_its_success_schedules_one_interval_after_the_usage()
    {
        var usedAt = T0 + Interval + TimeSpan.FromSeconds(1);
        var used = Pinging(at: T0 + Interval).OnUsage(Every(Interval), usedAt);

        Assert.IsType<PairPhase.Pinging>(used.Schedule.Phase);
        Assert.Null(used.Decisions.ReleaseLease);
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, usedAt + Interval), used.Decisions.Mirror);
        Assert.Equal(usedAt + Interval, used.Schedule.OnPingSucceeded(200, TimeSpan.FromMilliseconds(500), usedAt).Schedule.NextWakeUp);
    }

    [Fact]
    public void Failures_back_off_from_5s_doubling_capped_at_the_interval()
    {
        var schedule = PairSchedule.Fresh(Pair, Settings).OnUsage(Every(TimeSpan.FromSeconds(30)), T0).Schedule;
        var now = T0 + TimeSpan.FromSeconds(30);
        var delays = new List<TimeSpan>();
        for (var failure = 1; failure <= 5; failure++)
        {
            schedule = schedule.OnDue(now, Vllm).Schedule;
            var attempt = ((PairPhase.AwaitingHost)schedule.Phase).Attempt;
            schedule = schedule.OnLeaseGranted(attempt, now, Vllm).Schedule;
            var failed = schedule.OnPingFailed(PingFailureReason.HttpStatus, 500, TimeSpan.Zero, "HTTP 500", now);
            Assert.Equal(PairState.BackingOff, failed.Schedule.Status("n").State);
            Assert.Equal(failure, failed.Schedule.ConsecutiveFailures);
            delays.Add(failed.Schedule.NextWakeUp!.Value - now);
            (schedule, now) = (failed.Schedule, failed.Schedule.NextWakeUp!.Value);
        }

        Assert.Equal(new[] { 5, 10, 20, 30, 30 }.Select(s => TimeSpan.FromSeconds(s)), delays);
        Assert.Equal(0, schedule.OnDue(now, Vllm).Schedule.OnLeaseGranted(6, now, Vllm).Schedule.OnPingSucceeded(200, TimeSpan.Zero, now).Schedule.ConsecutiveFailures);
    }

    [Fact]
    public void A_failure_after_usage_during_the_ping_waits_a_full_interval_after_the_usage()
    {
        var usedAt = T0 + Interval + TimeSpan.FromSeconds(1);
        var used = Pinging(at: T0 + Interval).OnUsage(Every(Interval), usedAt).Schedule;

        var failed = used.OnPingFailed(PingFailureReason.Timeout, null, TimeSpan.FromSeconds(60), "no answer", usedAt + TimeSpan.FromSeconds(59));

        Assert.Equal(new PairPhase.Scheduled(usedAt + Interval), failed.Schedule.Phase);
        Assert.Equal(1, failed.Schedule.ConsecutiveFailures);
    }

    [Fact]
    public void A_lost_outcome_is_a_timeout_failure_of_that_attempt_only()
    {
        var pinging = Pinging(at: T0 + Interval);

        Assert.Same(pinging, pinging.OnPingOutcomeLost(7, T0 + Interval * 2).Schedule);
        var lost = pinging.OnPingOutcomeLost(1, T0 + Interval + TimeSpan.FromSeconds(65));

        Assert.Equal(PingFailureReason.Timeout, ((PairMetric.PingFailed)lost.Decisions.Metric!).Reason);
        Assert.Equal(1, lost.Decisions.ReleaseLease);
    }

    [Theory]
    [InlineData(null, "keep_alive is not set")]
    [InlineData("0s", "keep_alive is zero")]
    [InlineData("soon", "invalid keep_alive 'soon'")]
    public void Falsy_or_invalid_keep_alive_turns_the_pair_off_writes_it_off_and_warns_once(string? keepAlive, string reason)
    {
        var off = Scheduled().OnUsage(KeepAliveDuration.Parse(keepAlive), T0 + TimeSpan.FromSeconds(1));

        Assert.Equal(PairState.Off, off.Schedule.Status("n").State);
        Assert.StartsWith(reason, off.Schedule.Status("n").Reason);
        Assert.Equal(new ScheduleChange.Upsert(Pair, 0, null), off.Decisions.Mirror);
        Assert.Equal(Akka.Event.LogLevel.WarningLevel, off.Decisions.Log!.Level);
        Assert.Null(off.Schedule.OnUsage(KeepAliveDuration.Parse(keepAlive), T0 + TimeSpan.FromSeconds(2)).Decisions.Log);
    }

    [Fact]
    public void A_pair_turned_off_during_a_ping_gives_the_lease_back_when_the_ping_ends()
    {
        var off = Pinging(at: T0 + Interval).OnUsage(KeepAliveDuration.Parse(null), T0 + Interval + TimeSpan.FromSeconds(1));
        Assert.Null(off.Decisions.ReleaseLease);

        var ended = off.Schedule.OnPingSucceeded(200, TimeSpan.FromSeconds(2), T0 + Interval + TimeSpan.FromSeconds(3));

        Assert.Equal(1, ended.Decisions.ReleaseLease);
        Assert.Equal(PairState.Off, ended.Schedule.Status("n").State);
        Assert.Equal(new PairDecisions(), ended.Schedule.OnPingSucceeded(200, TimeSpan.Zero, T0 + Interval * 2).Decisions);
    }

    [Fact]
    public void Usage_while_the_pair_waits_for_its_host_drops_the_lease_request()
    {
        var used = Awaiting().OnUsage(Every(Interval), T0 + Interval + TimeSpan.FromSeconds(1));

        Assert.Equal(1, used.Decisions.ReleaseLease);
        Assert.IsType<PairPhase.Scheduled>(used.Schedule.Phase);
    }

    [Fact]
    public void A_pair_without_a_usable_provider_is_looked_at_again_one_interval_later_and_says_so_once()
    {
        var missing = new PingTarget.NotPingable("no provider in models-config for this model and host");

        var first = Scheduled().OnDue(T0 + Interval, missing);
        var again = first.Schedule.OnDue(T0 + Interval * 2, missing);

        Assert.Equal(new PairPhase.Unconfigured(T0 + Interval * 2, missing.Problem), first.Schedule.Phase);
        Assert.Equal(new PairMetric.PingSkipped("unconfigured"), first.Decisions.Metric);
        Assert.NotNull(first.Decisions.Log);
        Assert.Null(again.Decisions.Log);
        Assert.Equal(1, again.Schedule.OnDue(T0 + Interval * 3, Vllm).Decisions.RequestLease);
    }

    [Fact]
    public void Max_idle_stops_pinging_until_the_next_usage()
    {
        var settings = Settings with { MaxIdle = TimeSpan.FromMinutes(5) };
        var schedule = PairSchedule.Fresh(Pair, settings).OnUsage(Every(Interval), T0).Schedule;

        var idle = schedule.OnDue(T0 + TimeSpan.FromMinutes(6), Vllm);

        Assert.Equal(PairState.IdleExpired, idle.Schedule.Status("n").State);
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, null), idle.Decisions.Mirror);
        Assert.Null(idle.Decisions.WakeAt);
        Assert.Equal(PairState.Scheduled, idle.Schedule.OnUsage(Every(Interval), T0 + TimeSpan.FromMinutes(7)).Schedule.Status("n").State);
    }

    [Fact]
    public void A_fresh_pair_resumes_a_stored_future_wake_up_without_writing_it_back()
    {
        var stored = T0 + TimeSpan.FromMinutes(50);

        var resumed = Fresh().OnStoredSchedule(3600, stored, T0);

        Assert.Equal(new PairPhase.Scheduled(stored), resumed.Schedule.Phase);
        Assert.Equal(stored, resumed.Decisions.WakeAt);
        Assert.Null(resumed.Decisions.Mirror);
        // The store holds it, so after a Redis restart it is written again.
        Assert.NotNull(resumed.Schedule.OnStoreBack().Decisions.Mirror);
    }

    [Fact]
    public void An_overdue_stored_wake_up_fires_after_the_pairs_offset_and_is_written()
    {
        var settings = new KeepAliveSettings { SpreadFraction = 0.05, MaxSpread = TimeSpan.FromSeconds(10) };
        var offset = PingSpread.OffsetFor(Pair, Interval, settings);

        var resumed = PairSchedule.Fresh(Pair, settings).OnStoredSchedule(120, T0 - TimeSpan.FromMinutes(30), T0);

        Assert.Equal(T0 + offset, resumed.Schedule.NextWakeUp);
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, T0 + offset), resumed.Decisions.Mirror);
    }

    [Fact]
    public void A_pair_with_a_schedule_of_its_own_keeps_it_over_a_stored_or_handed_over_one()
    {
        var own = Scheduled();

        Assert.Same(own, own.OnStoredSchedule(3600, T0 + TimeSpan.FromHours(1), T0).Schedule);
        Assert.Same(own, own.OnHandedOver(Scheduled().Status("n") with { KeepAliveSeconds = 60 }).Schedule);
    }

    [Fact]
    public void A_successor_takes_over_its_predecessors_schedule_failures_and_last_ping()
    {
        var backingOff = Pinging(at: T0 + Interval).OnPingFailed(PingFailureReason.HttpStatus, 503, TimeSpan.Zero, "HTTP 503", T0 + Interval).Schedule;
        var predecessor = backingOff.Status("node-a");

        var successor = Fresh().OnHandedOver(predecessor);

        Assert.Equal(predecessor with { Node = "node-b" }, successor.Schedule.Status("node-b"));
        Assert.Equal(predecessor.NextWakeUp, successor.Decisions.WakeAt);
        Assert.NotNull(successor.Decisions.Mirror);
    }

    [Fact]
    public void A_successor_of_a_pair_that_was_pinging_or_waiting_is_due_again_at_the_written_wake_up()
    {
        var predecessor = Pinging(at: T0 + Interval).Status("node-a");
        Assert.Equal(PairState.Pinging, predecessor.State);

        var successor = Fresh().OnHandedOver(predecessor).Schedule;

        Assert.Equal(new PairPhase.Scheduled(T0 + Interval * 2), successor.Phase);
    }

    [Fact]
    public void Unregister_removes_the_keys_lingers_as_a_tombstone_and_leaves_unless_used_again()
    {
        var unregistered = Awaiting().OnUnregister();

        Assert.Equal(new ScheduleChange.Remove(Pair), unregistered.Decisions.Mirror);
        Assert.Equal(1, unregistered.Decisions.ReleaseLease);
        Assert.True(unregistered.Decisions.Linger);
        var tombstone = unregistered.Schedule;
        Assert.Same(tombstone, tombstone.OnStoredSchedule(120, T0, T0).Schedule);
        Assert.Equal(new PairDecisions(), tombstone.OnStoreBack().Decisions);
        Assert.True(tombstone.OnLingerOver().Decisions.Leave);

        var usedAgain = tombstone.OnUsage(Every(Interval), T0 + Interval).Schedule;
        Assert.Equal(PairState.Scheduled, usedAgain.Status("n").State);
        Assert.False(usedAgain.OnLingerOver().Decisions.Leave);
    }

    [Fact]
    public void A_pair_that_moves_hands_its_schedule_over_and_gives_back_the_lease_it_waits_for()
    {
        var handOff = Awaiting().OnHandOff(successorKnown: true);

        Assert.Equal(new PairDecisions { ReleaseLease = 1, HandOver = true }, handOff.Decisions);
        Assert.False(Awaiting().OnHandOff(successorKnown: false).Decisions.HandOver);
        Assert.False(Fresh().OnHandOff(successorKnown: true).Decisions.HandOver);
        Assert.False(Scheduled().OnUnregister().Schedule.OnHandOff(successorKnown: true).Decisions.HandOver);
    }

    [Fact]
    public void With_a_shared_store_a_due_pair_reads_its_stored_wake_up_before_it_asks_its_host()
    {
        var due = Scheduled().OnDue(T0 + Interval, Vllm, storeSharedWithOtherWriters: true);

        Assert.Equal(new PairPhase.CheckingStore(T0 + Interval, 1), due.Schedule.Phase);
        Assert.Equal(new StoreCheck(1, BeforePing: true), due.Decisions.CheckStore);
        Assert.Null(due.Decisions.RequestLease);
        Assert.Equal(PairState.AwaitingHost, due.Schedule.Status("n").State);
    }

    [Theory]
    [InlineData("its own", false, 0)]
    [InlineData("earlier, by another writer", false, -60)]
    [InlineData("later, but a change of its own waits to be written", true, 60)]
    public void A_due_pair_pings_unless_another_writer_moved_its_wake_up_later(string stored, bool ownPending, int secondsFromDue)
    {
        var checking = Scheduled().OnDue(T0 + Interval, Vllm, storeSharedWithOtherWriters: true).Schedule;

        var read = checking.OnStoreChecked(new StoreCheck(1, true), ownPending, T0 + Interval + TimeSpan.FromSeconds(secondsFromDue));

        Assert.True(read.Decisions.RequestLease == 1, $"stored {stored}: the pair asks its host");
        Assert.Equal(new PairPhase.AwaitingHost(T0 + Interval, 1), read.Schedule.Phase);
    }

    [Fact]
    public void A_due_pair_whose_wake_up_another_writer_moved_later_waits_for_it_instead_of_pinging()
    {
        var checking = Scheduled().OnDue(T0 + Interval, Vllm, storeSharedWithOtherWriters: true).Schedule;
        var router = T0 + Interval + TimeSpan.FromSeconds(90);

        var read = checking.OnStoreChecked(new StoreCheck(1, true), ownChangePending: false, router);

        Assert.Equal(new PairPhase.Scheduled(router), read.Schedule.Phase);
        Assert.Equal(router, read.Decisions.WakeAt);
        Assert.Null(read.Decisions.RequestLease);
        // The store holds it already.
        Assert.Null(read.Decisions.Mirror);
        Assert.Equal(router, read.Schedule.OwnStoredWakeUp);
    }

    [Fact]
    public void A_store_that_cannot_be_read_does_not_stop_the_ping_and_a_stale_answer_is_ignored()
    {
        var checking = Scheduled().OnDue(T0 + Interval, Vllm, storeSharedWithOtherWriters: true).Schedule;

        Assert.Equal(1, checking.OnStoreChecked(new StoreCheck(1, true), false, null).Decisions.RequestLease);
        var used = checking.OnUsage(Every(Interval), T0 + Interval).Schedule;
        Assert.Same(used, used.OnStoreChecked(new StoreCheck(1, true), false, T0 + TimeSpan.FromHours(1)).Schedule);
    }

    [Theory]
    [InlineData(-30)]
    [InlineData(45)]
    public void The_sweep_brings_a_living_pairs_wake_up_forward_or_back_to_what_another_writer_stored(int secondsFromOwn)
    {
        var scheduled = Scheduled();
        var stored = T0 + Interval + TimeSpan.FromSeconds(secondsFromOwn);

        var swept = scheduled.OnStoredSchedule(120, stored, T0 + TimeSpan.FromSeconds(10));
        Assert.Equal(new StoreCheck((T0 + Interval).UtcTicks, BeforePing: false), swept.Decisions.CheckStore);
        var read = swept.Schedule.OnStoreChecked(swept.Decisions.CheckStore!, ownChangePending: false, stored);

        Assert.Equal(new PairPhase.Scheduled(stored), read.Schedule.Phase);
        Assert.Equal(stored, read.Decisions.WakeAt);
    }

    [Fact]
    public void The_sweep_never_undoes_a_change_of_the_pairs_own_that_waits_to_be_written()
    {
        var scheduled = Scheduled();
        var swept = scheduled.OnStoredSchedule(120, T0 + TimeSpan.FromSeconds(5), T0 + TimeSpan.FromSeconds(10));

        var read = swept.Schedule.OnStoreChecked(swept.Decisions.CheckStore!, ownChangePending: true, T0 + TimeSpan.FromSeconds(5));

        Assert.Same(scheduled, read.Schedule);
        // And what the pair wrote itself needs no check at all.
        Assert.Null(scheduled.OnStoredSchedule(120, T0 + Interval, T0).Decisions.CheckStore);
    }

    [Fact]
    public void A_fresh_pair_says_it_has_no_usage_yet_and_has_nothing_to_write_again()
    {
        var status = Fresh().Status("n");

        Assert.Equal((PairState.Off, "no usage recorded yet", (DateTimeOffset?)null), (status.State, status.Reason, status.NextWakeUp));
        Assert.Equal(new PairDecisions(), Fresh().OnStoreBack().Decisions);
    }

    [Fact]
    public void A_pair_takes_an_equal_keys_instance_and_ignores_another_pairs_key()
    {
        var sameButOtherInstance = PairKey.From(Pair.Model, Pair.Host);
        Assert.NotSame(Pair, sameButOtherInstance);

        Assert.Same(sameButOtherInstance, Fresh().SharingKey(sameButOtherInstance).Pair);
        Assert.Same(Pair, Fresh().SharingKey(PairKey.From("other", Pair.Host)).Pair);
    }

    private static PairSchedule Fresh() => PairSchedule.Fresh(Pair, Settings);

    private static KeepAliveValue Every(TimeSpan interval) => new KeepAliveValue.Every(interval);

    private static PairSchedule Scheduled() => Fresh().OnUsage(Every(Interval), T0).Schedule;

    private static PairSchedule Awaiting() => Scheduled().OnDue(T0 + Interval, Vllm).Schedule;

    private static PairSchedule Pinging(DateTimeOffset at) => Awaiting().OnLeaseGranted(1, at, Vllm).Schedule;
}
