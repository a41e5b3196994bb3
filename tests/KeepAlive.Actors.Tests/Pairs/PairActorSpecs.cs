using Akka.Actor;
using Akka.TestKit;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using KeepAlive.Actors.Tests.Scheduling;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Hosts.HostGateProtocol;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;
using static KeepAlive.Actors.Pairs.PairProtocol;
using static KeepAlive.Testing.TestProviders;

namespace KeepAlive.Actors.Tests.Pairs;

/// <summary>One PairActor in virtual time, with probes for its host gate, sender pool and scheduler.</summary>
public sealed class PairActorSpecs : VirtualTimeSpecs
{
    private const string Model = "google/gemma-3-12b-it";
    private const string Host = "http://127.0.0.1:7000";
    private static readonly PairKey Pair = PairKey.From(Model, Host);

    // Known, not computed here: 5 % of 2 min is a 6 s window, and the pair's hash (0x96CEF541) puts it at 3,534 ms
    // (PingSpreadSpecs says how such values were computed).
    private static readonly TimeSpan OffsetAtFivePercentOfTwoMinutes = TimeSpan.FromMilliseconds(3534);

    private readonly TestProbe _gate;
    private readonly TestProbe _senders;
    private readonly TestProbe _scheduler;
    private readonly TestProbe _successor;
    private readonly ProviderCatalogHolder _catalog = new(Catalog(Provider("vllm", Host, Model)));

    public PairActorSpecs(ITestOutputHelper output) : base(output)
    {
        _gate = CreateTestProbe("gate");
        _senders = CreateTestProbe("senders");
        _scheduler = CreateTestProbe("scheduler");
        _successor = CreateTestProbe("successor-region");
    }

    [Fact]
    public void Usage_moves_the_next_wake_up_to_now_plus_keep_alive()
    {
        var pairActor = Start();

        pairActor.Tell(new RecordUsage(Model, Host, "2m"));
        Advance(TimeSpan.FromSeconds(60));
        pairActor.Tell(new RecordUsage(Model, Host, "2m"));
        Advance(TimeSpan.FromSeconds(119));
        Assert.Null(LeaseRequest());

        Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(LeaseRequest());
    }

    [Fact]
    public void Every_wake_up_carries_the_pairs_offset()
    {
        var pairActor = Start(new KeepAliveSettings { SpreadFraction = 0.05, MaxSpread = TimeSpan.FromSeconds(10) });

        pairActor.Tell(new RecordUsage(Model, Host, "2m"));
        Advance(TimeSpan.FromMinutes(2) + OffsetAtFivePercentOfTwoMinutes - TimeSpan.FromMilliseconds(1));
        Assert.Null(LeaseRequest());
        Advance(TimeSpan.FromMilliseconds(1));

        Assert.NotNull(LeaseRequest());
    }

    [Fact]
    public void Usage_makes_the_model_its_hosts_occupant()
    {
        var pairActor = Start();

        pairActor.Tell(new RecordUsage(Model, Host, "2m"));

        var used = _gate.ExpectMsg<HostUsed>();
        Assert.Equal((Host, Model), (used.Host, used.Model));
    }

    [Fact]
    public void Busy_host_postpones_ping_by_one_interval()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        var request = LeaseRequest()!;

        _gate.Reply(new HostBusy(Pair, request.Attempt, "other-model"));
        Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
        Assert.Null(LeaseRequest());
        Advance(TimeSpan.FromMilliseconds(1));

        Assert.NotNull(LeaseRequest());
        Assert.Equal("host busy with other-model", Status(pairActor).LastSkip);
    }

    [Fact]
    public void Granted_lease_sends_one_ping_and_success_schedules_the_next_one_interval_after_the_ping_ended()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        var started = Now;
        Grant(LeaseRequest()!);
        var ping = _senders.ExpectMsg<SendPing>();
        Assert.Equal(Pair, ping.Pair);

        Advance(TimeSpan.FromSeconds(4));
        _senders.Reply(new PingSucceeded(Pair, 200, TimeSpan.FromSeconds(4)));

        Assert.Contains(Drain(_gate).OfType<ReleasePingLease>(), r => r.Pair == Pair);
        // From the ping's end, as llm-router's monitor and the backends count.
        Assert.Equal(started + TimeSpan.FromSeconds(34), Status(pairActor).NextWakeUp);
        Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
        Assert.Null(LeaseRequest());
        Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotNull(LeaseRequest());
    }

    [Fact]
    public void After_usage_during_a_ping_its_success_schedules_the_next_one_interval_after_the_ping_ended()
    {
        var pairActor = Start();
        UsageDuringAPing(pairActor);
        // Issue 11: the ping's end, which comes after any usage during it (it was the later of start and usage).
        var endedAt = Now;

        _senders.Reply(new PingSucceeded(Pair, 200, TimeSpan.FromSeconds(5)));

        Assert.Equal(endedAt + TimeSpan.FromSeconds(30), Status(pairActor).NextWakeUp);
        AssertNextLeaseRequestAt(endedAt + TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_ping_that_fails_after_usage_during_it_waits_a_full_interval_after_the_usage_instead_of_backing_off()
    {
        var pairActor = Start();
        var usedAt = UsageDuringAPing(pairActor);

        _senders.Reply(new PingFailed(Pair, PingFailureReason.HttpStatus, 503, TimeSpan.FromSeconds(5), "HTTP 503"));

        var status = Status(pairActor);
        Assert.Equal((PairState.Scheduled, 1, usedAt + TimeSpan.FromSeconds(30)), (status.State, status.ConsecutiveFailures, status.NextWakeUp));
        // A backoff would have asked 5 s after the failure.
        AssertNextLeaseRequestAt(usedAt + TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Failed_pings_back_off_from_5s_doubling_capped_at_keep_alive()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));

        var delays = new List<TimeSpan>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Grant(LeaseRequest()!);
            _senders.ExpectMsg<SendPing>();
            _senders.Reply(new PingFailed(Pair, PingFailureReason.HttpStatus, 500, TimeSpan.Zero, "HTTP 500"));
            delays.Add(Status(pairActor).NextWakeUp!.Value - Now);
            Advance(delays[^1]);
        }

        Assert.Equal(new[] { 5, 10, 20, 30, 30 }.Select(s => TimeSpan.FromSeconds(s)), delays);
        var status = Status(pairActor);
        Assert.Equal(5, status.ConsecutiveFailures);
        Assert.Equal(PairState.AwaitingHost, status.State);
        Assert.Equal(500, status.LastPing!.StatusCode);
    }

    [Fact]
    public void A_success_after_failures_resets_the_failure_count()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();
        _senders.Reply(new PingFailed(Pair, PingFailureReason.ConnectionRefused, null, TimeSpan.Zero, "refused"));
        Advance(TimeSpan.FromSeconds(5));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();
        _senders.Reply(new PingSucceeded(Pair, 200, TimeSpan.Zero));

        var status = Status(pairActor);
        Assert.Equal(0, status.ConsecutiveFailures);
        Assert.Equal(PairState.Scheduled, status.State);
        Assert.Equal(Now + TimeSpan.FromSeconds(30), status.NextWakeUp);
    }

    [Fact]
    public void A_lost_ping_result_counts_as_a_failure_after_the_timeout()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();

        Advance(TimeSpan.FromSeconds(65));

        var status = Status(pairActor);
        Assert.Equal(1, status.ConsecutiveFailures);
        Assert.Equal(PairState.BackingOff, status.State);
    }

    [Fact]
    public void A_lease_request_lost_with_its_gates_node_is_asked_again_within_seconds()
    {
        var settings = new KeepAliveSettings { SpreadFraction = 0 };
        var pairActor = Start(settings);
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        var lost = LeaseRequest()!;

        Advance(settings.LeaseRequestRetry - TimeSpan.FromMilliseconds(1));
        Assert.Null(LeaseRequest());
        Advance(TimeSpan.FromMilliseconds(1));

        var again = Drain(_gate);
        // Asked again, not released first: the gate keeps a waiting pair's place and frees a lease whose grant was lost.
        Assert.DoesNotContain(again, message => message is ReleasePingLease);
        var retried = again.OfType<RequestPingLease>().Single();
        Assert.True(retried.Attempt > lost.Attempt);
        Grant(retried);
        _senders.ExpectMsg<SendPing>();
    }

    [Fact]
    public void Never_two_pings_of_one_pair_in_flight()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();

        // The ping hangs for longer than an interval; usage in between must not start another one.
        Advance(TimeSpan.FromSeconds(10));
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(40));

        Assert.Null(LeaseRequest());
        Assert.False(_senders.HasMessages);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("5x")]
    [InlineData("1.5m")]
    public void Falsy_or_invalid_keep_alive_turns_the_pair_off_and_logs_why_once(string? keepAlive)
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));

        EventFilter.Warning(contains: "is not scheduled").Expect(1, () =>
        {
            pairActor.Tell(new RecordUsage(Model, Host, keepAlive));
            pairActor.Tell(new RecordUsage(Model, Host, keepAlive));
        });
        Advance(TimeSpan.FromHours(1));

        Assert.Null(LeaseRequest());
        var status = Status(pairActor);
        Assert.Equal(PairState.Off, status.State);
        Assert.Equal(0, status.KeepAliveSeconds);
        Assert.Null(status.NextWakeUp);
    }

    [Fact]
    public void A_pair_without_a_provider_is_not_pinged_and_says_so_once()
    {
        _catalog.Replace(ProviderCatalog.Empty);
        var pairActor = Start();

        EventFilter.Warning(contains: "no provider in models-config").Expect(1, () =>
        {
            pairActor.Tell(new RecordUsage(Model, Host, "30s"));
            Advance(TimeSpan.FromMinutes(10));
        });

        Assert.Null(LeaseRequest());
        Assert.Equal(PairState.Unconfigured, Status(pairActor).State);
    }

    [Fact]
    public void A_pair_whose_provider_appears_in_a_reloaded_config_is_pinged_again()
    {
        _catalog.Replace(ProviderCatalog.Empty);
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));

        _catalog.Replace(Catalog(Provider("vllm", Host, Model)));
        Advance(TimeSpan.FromSeconds(30));

        Assert.NotNull(LeaseRequest());
    }

    [Fact]
    public void Max_idle_stops_pinging_until_the_next_usage()
    {
        var pairActor = Start(new KeepAliveSettings { SpreadFraction = 0, MaxIdle = TimeSpan.FromMinutes(2) });
        pairActor.Tell(new RecordUsage(Model, Host, "1m"));
        Advance(TimeSpan.FromMinutes(1));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();
        _senders.Reply(new PingSucceeded(Pair, 200, TimeSpan.Zero));

        Advance(TimeSpan.FromMinutes(10));
        Assert.Null(LeaseRequest());
        Assert.Equal(PairState.IdleExpired, Status(pairActor).State);

        pairActor.Tell(new RecordUsage(Model, Host, "1m"));
        Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(LeaseRequest());
    }

    [Fact]
    public void Every_schedule_change_is_mirrored_to_the_scheduler()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "2m"));

        var upsert = Assert.IsType<ScheduleChange.Upsert>(_scheduler.ExpectMsg<SchedulerProtocol.MirrorSchedule>().Change);
        Assert.Equal((Pair, 120L, Now + TimeSpan.FromMinutes(2)), (upsert.Pair, upsert.KeepAliveSeconds, upsert.NextWakeUp));

        pairActor.Tell(new RecordUsage(Model, Host, "false"));
        var off = Assert.IsType<ScheduleChange.Upsert>(_scheduler.ExpectMsg<SchedulerProtocol.MirrorSchedule>().Change);
        Assert.Equal((0L, (DateTimeOffset?)null), (off.KeepAliveSeconds, off.NextWakeUp));
    }

    [Fact]
    public void A_ping_is_mirrored_as_its_next_wake_up_before_its_outcome_so_a_successor_does_not_ping_again()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Drain(_scheduler);

        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();

        // No outcome yet: the node may die or hand the pair off now.
        var mirrored = Drain(_scheduler).OfType<SchedulerProtocol.MirrorSchedule>().Select(m => m.Change).OfType<ScheduleChange.Upsert>().Last();
        Assert.Equal(Now + TimeSpan.FromSeconds(30), mirrored.NextWakeUp);
    }

    [Fact]
    public void A_restarted_pair_resumes_its_stored_schedule_instead_of_resetting_it()
    {
        // Stored wake-ups are whole Unix seconds.
        var due = DateTimeOffset.FromUnixTimeSeconds(Now.ToUnixTimeSeconds() + 90);
        var pairActor = Start();

        pairActor.Tell(new ResumeSchedule(Pair, 120, due), TestActor);

        ExpectMsg<Confirmed>();
        Advance(due - Now - TimeSpan.FromMilliseconds(1));
        Assert.Null(LeaseRequest());
        Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotNull(LeaseRequest());
        // What the store holds is not written back.
        Assert.Empty(Drain(_scheduler).OfType<SchedulerProtocol.MirrorSchedule>());
    }

    [Fact]
    public void An_overdue_stored_pair_is_pinged_after_its_own_offset()
    {
        var pairActor = Start(new KeepAliveSettings { SpreadFraction = 0.05, MaxSpread = TimeSpan.FromSeconds(10) });

        pairActor.Tell(new ResumeSchedule(Pair, 120, Now - TimeSpan.FromMinutes(30)));

        Assert.Equal(Now + OffsetAtFivePercentOfTwoMinutes, Status(pairActor).NextWakeUp);
        // The moved wake-up is written.
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, Now + OffsetAtFivePercentOfTwoMinutes),
            Drain(_scheduler).OfType<SchedulerProtocol.MirrorSchedule>().Single().Change);
    }

    [Fact]
    public void A_running_pair_keeps_its_own_schedule_when_the_sweep_hands_it_the_stored_one()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "2m"));
        var own = Status(pairActor).NextWakeUp;

        pairActor.Tell(new ResumeSchedule(Pair, 3600, Now + TimeSpan.FromMinutes(50)), TestActor);

        ExpectMsg<Confirmed>();
        Assert.Equal((120L, own), (Status(pairActor).KeepAliveSeconds, Status(pairActor).NextWakeUp));
    }

    [Fact]
    public void Usage_asked_with_confirm_is_confirmed_once_taken_and_told_usage_is_not_answered()
    {
        var pairActor = Start();

        pairActor.Tell(new RecordUsage(Model, Host, "2m"), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        pairActor.Tell(new RecordUsage(Model, Host, "5m") { Confirm = true }, TestActor);

        ExpectMsg<Confirmed>();
        Assert.Equal(300, Status(pairActor).KeepAliveSeconds);
    }

    [Fact]
    public void A_pair_that_moves_hands_everything_it_knows_to_its_successor_and_stops()
    {
        var parent = CreateTestProbe();
        var pairActor = parent.ChildActorOf(Synchronous(PairActor.Props(Pair, Deps(new KeepAliveSettings { SpreadFraction = 0 }))));
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();
        _senders.Reply(new PingFailed(Pair, PingFailureReason.HttpStatus, 503, TimeSpan.FromMilliseconds(40), "HTTP 503"));
        var before = Status(pairActor);
        Drain(_scheduler);
        Watch(pairActor);

        pairActor.Tell(PairProtocol.HandOff.Instance);

        Assert.Equal(before, _successor.ExpectMsg<ScheduleHandedOver>().Predecessor);
        // From now on the successor writes the pair: a change still waiting on this node must not land over its own.
        Assert.Equal(new SchedulerProtocol.HandedOver(Pair), _scheduler.ExpectMsg<SchedulerProtocol.HandedOver>());
        ExpectTerminated(pairActor);
    }

    [Fact]
    public void A_successor_continues_from_what_its_predecessor_handed_over()
    {
        var predecessor = Start();
        predecessor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();
        _senders.Reply(new PingFailed(Pair, PingFailureReason.HttpStatus, 503, TimeSpan.FromMilliseconds(40), "HTTP 503"));
        var handedOver = Status(predecessor);
        Assert.Equal(PairState.BackingOff, handedOver.State);

        var successor = Start();
        successor.Tell(new ScheduleHandedOver(handedOver));

        Assert.Equal(handedOver with { Node = Status(successor).Node }, Status(successor));
        Advance(handedOver.NextWakeUp!.Value - Now);
        Assert.NotNull(LeaseRequest());
    }

    [Fact]
    public void Messages_that_reach_a_pair_after_its_hand_off_follow_it_to_its_successor()
    {
        // The pair's thread is held inside its first usage, so the hand-off and a usage behind it queue in its mailbox.
        using var release = new ManualResetEventSlim();
        var gate = new HoldingRef(_gate, release);
        var pairActor = Sys.ActorOf(PairActor.Props(Pair,
            new PairDependencies(new KeepAliveSettings { SpreadFraction = 0 }, _catalog, gate, _senders, _scheduler, new ProbeSuccessor(_successor), Log)));
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        gate.Entered.Wait(TimeSpan.FromSeconds(10));
        pairActor.Tell(PairProtocol.HandOff.Instance);
        var usage = new RecordUsage(Model, Host, "1m") { Confirm = true };
        pairActor.Tell(usage, TestActor);

        release.Set();

        _successor.ExpectMsg<ScheduleHandedOver>();
        Assert.Equal(usage, _successor.ExpectMsg<RecordUsage>());
        Assert.Equal(TestActor, _successor.LastSender);
    }

    [Fact]
    public void Unregister_forgets_the_pair_and_it_leaves_through_sharding_after_lingering_as_a_tombstone()
    {
        var parent = CreateTestProbe();
        var pairActor = parent.ChildActorOf(Synchronous(PairActor.Props(Pair, Deps(new KeepAliveSettings { SpreadFraction = 0 }))));
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));

        pairActor.Tell(new Unregister(Pair));

        Assert.Contains(Drain(_scheduler).OfType<SchedulerProtocol.MirrorSchedule>().Select(m => m.Change),
            change => change is ScheduleChange.Remove remove && remove.Pair == Pair);
        Assert.Equal(PairState.Unregistered, Status(pairActor).State);
        parent.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(new KeepAliveSettings().UnregisteredLinger);
        Assert.IsType<Akka.Cluster.Sharding.Passivate>(parent.ExpectMsg<Akka.Cluster.Sharding.Passivate>());
        Assert.Null(LeaseRequest());
    }

    [Fact]
    public void A_stale_stored_schedule_does_not_bring_an_unregistered_pair_back_but_new_usage_does()
    {
        var pairActor = Start();
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        pairActor.Tell(new Unregister(Pair));
        Drain(_scheduler);

        // A sweep that read the pair just before its removal was written.
        pairActor.Tell(new ResumeSchedule(Pair, 30, Now + TimeSpan.FromSeconds(10)), TestActor);
        ExpectMsg<Confirmed>();
        Advance(TimeSpan.FromSeconds(40));
        Assert.Null(LeaseRequest());
        Assert.Empty(Drain(_scheduler));

        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Assert.Equal(PairState.Scheduled, Status(pairActor).State);
        Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(LeaseRequest());
    }

    [Fact]
    public void Rewrite_tells_the_current_schedule_again_and_nothing_for_a_pair_without_one()
    {
        var pairActor = Start();
        pairActor.Tell(new RewriteSchedule(Pair));
        Assert.Empty(Drain(_scheduler));
        pairActor.Tell(new RecordUsage(Model, Host, "2m"));
        var told = _scheduler.ExpectMsg<SchedulerProtocol.MirrorSchedule>();

        pairActor.Tell(new RewriteSchedule(Pair));

        Assert.Equal(told, _scheduler.ExpectMsg<SchedulerProtocol.MirrorSchedule>());
    }

    [Fact]
    public void A_ping_outcome_arriving_after_unregister_releases_the_lease_and_does_not_mirror_the_pair_back()
    {
        var parent = CreateTestProbe();
        var pairActor = parent.ChildActorOf(Synchronous(PairActor.Props(Pair, Deps(new KeepAliveSettings { SpreadFraction = 0 }))));
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();
        Drain(_scheduler);

        pairActor.Tell(new Unregister(Pair));
        _senders.Reply(new PingSucceeded(Pair, 200, TimeSpan.FromSeconds(1)));

        var changes = Drain(_scheduler).OfType<SchedulerProtocol.MirrorSchedule>().Select(m => m.Change).ToList();
        Assert.Equal(new ScheduleChange[] { new ScheduleChange.Remove(Pair) }, changes);
        Assert.Contains(Drain(_gate).OfType<ReleasePingLease>(), release => release.Pair == Pair);
    }

    private IActorRef Start(KeepAliveSettings? settings = null) =>
        StartSynchronous(PairActor.Props(Pair, Deps(settings ?? new KeepAliveSettings { SpreadFraction = 0 })));

    private PairDependencies Deps(KeepAliveSettings settings) =>
        new(settings, _catalog, _gate, _senders, _scheduler, new ProbeSuccessor(_successor), Log);

    /// <summary>Passes messages on to <paramref name="inner"/>; the first one waits (on the sender's thread) for <paramref name="release"/>.</summary>
    private sealed class HoldingRef(IActorRef inner, ManualResetEventSlim release) : MinimalActorRef
    {
        private int _held;

        public ManualResetEventSlim Entered { get; } = new();

        public override ActorPath Path => inner.Path;

        public override IActorRefProvider Provider => ((IInternalActorRef)inner).Provider;

        protected override void TellInternal(object message, IActorRef sender)
        {
            if (Interlocked.Exchange(ref _held, 1) == 0)
            {
                Entered.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }

            inner.Tell(message, sender);
        }
    }

    private sealed class ProbeSuccessor(IActorRef region) : ISuccessorRegions
    {
        public ICanTell For(PairKey pair) => region;
    }

    /// <summary>A ping of a 30 s pair starts, and 3 s into it the pair is used; 2 s later the outcome may come.</summary>
    /// <returns>When the usage came.</returns>
    private DateTimeOffset UsageDuringAPing(IActorRef pairActor)
    {
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(30));
        Grant(LeaseRequest()!);
        _senders.ExpectMsg<SendPing>();
        Advance(TimeSpan.FromSeconds(3));
        var usedAt = Now;
        pairActor.Tell(new RecordUsage(Model, Host, "30s"));
        Advance(TimeSpan.FromSeconds(2));
        Assert.Null(LeaseRequest());
        return usedAt;
    }

    /// <summary>The pair asks its host for a lease at <paramref name="due"/>, not a millisecond earlier.</summary>
    private void AssertNextLeaseRequestAt(DateTimeOffset due)
    {
        Advance(due - Now - TimeSpan.FromMilliseconds(1));
        Assert.Null(LeaseRequest());
        Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotNull(LeaseRequest());
    }

    private RequestPingLease? LeaseRequest() =>
        Drain(_gate).OfType<RequestPingLease>().LastOrDefault();

    private void Grant(RequestPingLease request) => _gate.Reply(new PingLeaseGranted(request.Pair, request.Attempt));

    private PairStatus Status(IActorRef pairActor)
    {
        var probe = CreateTestProbe();
        pairActor.Tell(new GetPairStatus(Pair), probe);
        return probe.ExpectMsg<PairStatus>();
    }
}
