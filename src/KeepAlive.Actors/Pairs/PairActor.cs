using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Scheduling;
using static KeepAlive.Actors.Hosts.HostGateProtocol;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Pairs;

/// <summary>
/// One per <c>(model, host)</c> pair in the whole cluster: carries out what the pair's rules (<see cref="PairSchedule"/>)
/// decide, with one wake-up timer, its host's gate, the node's ping senders and the node's schedule writer.
/// </summary>
/// <remarks>
/// A pair's actor starts with nothing: usage gives it a schedule, the sweep hands it the stored one
/// (<see cref="ResumeSchedule"/>), or its predecessor hands over everything it knew when the pair moved
/// (<see cref="ScheduleHandedOver"/>, sent when sharding stops it for a handoff with <see cref="HandOff"/>). Lean on
/// purpose, since a node holds a hundred thousand of them: an untyped actor (no handler tables), timers scheduled
/// once and recognised when they fire (no timer table), a shared logger and the pairs' own mailbox.
/// </remarks>
public sealed class PairActor : UntypedActor
{
    // Timers are never cancelled: each says what it was set for, and one the pair has moved past is ignored. One
    // that outlives its actor (a handoff, an unregistered pair leaving) reaches dead letters once, unlogged.
    private sealed record WakeUp(DateTimeOffset At) : IDeadLetterSuppression;

    private sealed record LeaseWaitExpired(long Attempt) : IDeadLetterSuppression;

    private sealed record PingOutcomeLost(long Attempt) : IDeadLetterSuppression;

    private sealed class LingerOver : IDeadLetterSuppression
    {
        public static readonly LingerOver Instance = new();
        private LingerOver() { }
    }

    private readonly PairDependencies _deps;
    private PairSchedule _schedule;
    private DateTimeOffset? _wakeArmedFor;
    private bool _handedOff;
    private ICanTell? _successor;
    private List<IActorRef>? _pingNowAskers;

    public PairActor(PairKey pair, PairDependencies deps)
    {
        _deps = deps;
        _schedule = PairSchedule.Fresh(pair, deps.Settings);
    }

    /// <summary>A pair's actor named by its escaped entity id, as sharding names it: the pair is read from the name.</summary>
    public PairActor(PairDependencies deps)
        : this(PairKey.FromActorName(Context.Self.Path.Name), deps)
    {
    }

    public static Props Props(PairKey pair, PairDependencies deps) =>
        Akka.Actor.Props.Create(() => new PairActor(pair, deps));

    /// <summary>
    /// One Props for every pair of a shard region, each actor reading its pair from its name: a Props per pair would be
    /// kept by each actor, a couple of hundred bytes each.
    /// </summary>
    public static Props ForEntities(PairDependencies deps) =>
        Akka.Actor.Props.Create(() => new PairActor(deps)).WithMailbox(PairMailboxType.ConfigPath);

    private PairKey Pair => _schedule.Pair;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart() => KeepAliveMetrics.PairStarted();

    protected override void PostStop() => KeepAliveMetrics.PairStopped();

    protected override void OnReceive(object message)
    {
        if (_handedOff)
        {
            FollowSuccessor(message);
            return;
        }

        // The message that started the pair came through its shard, which keeps that key's entity id: hold the same key
        // instead of the one parsed from the actor's name (while nothing has given the pair a schedule yet).
        if (_schedule.Phase is PairPhase.Fresh && message is IWithPairKey forPair) _schedule = _schedule.SharingKey(forPair.Pair);

        switch (message)
        {
            case GetPairStatus:
                Sender.Tell(_schedule.Status(Node));
                return;
            case HandOff:
                OnHandOff();
                return;
            case PingNow:
                (_pingNowAskers ??= []).Add(Sender);
                break;
            // Stored schedules are always asked for (the answer paces the sweep); commands when the caller wants to know.
            case ResumeSchedule or IConfirmable { Confirm: true }:
                Sender.Tell(Confirmed.Instance);
                break;
        }

        if (StepFor(message) is { } step) Carry(step);
        else if (message is not WakeUp) Unhandled(message);
    }

    private PairStep? StepFor(object message) => message switch
    {
        RecordUsage usage => _schedule.OnUsage(KeepAliveDuration.ParseRepeated(usage.KeepAlive), Now),
        PingNow => _schedule.OnPingNow(Now, PingTarget.Of(Lookup())),
        WakeUp wakeUp when wakeUp.At == _wakeArmedFor => Woken(),
        PingLeaseGranted granted => _schedule.OnLeaseGranted(granted.Attempt, Now, PingTarget.Of(Lookup())),
        HostBusy busy => _schedule.OnHostBusy(busy.Attempt, busy.Occupant, Now),
        LeaseWaitExpired expired => _schedule.OnLeaseWaitExpired(expired.Attempt),
        PingSucceeded succeeded => _schedule.OnPingSucceeded(succeeded.StatusCode, succeeded.Latency, Now),
        PingFailed failed => _schedule.OnPingFailed(failed.Reason, failed.StatusCode, failed.Latency, failed.Detail, Now),
        PingOutcomeLost lost => _schedule.OnPingOutcomeLost(lost.Attempt, Now),
        ResumeSchedule stored => _schedule.OnStoredSchedule(stored.KeepAliveSeconds, stored.NextWakeUp, Now),
        ScheduleHandedOver handedOver => _schedule.OnHandedOver(handedOver.Predecessor),
        Unregister => _schedule.OnUnregister(),
        LingerOver => _schedule.OnLingerOver(),
        RewriteSchedule => _schedule.OnStoreBack(),
        SchedulerProtocol.StoredWakeUpChecked checkedStore => _schedule.OnStoreChecked(checkedStore.Check, checkedStore.OwnChangePending, checkedStore.Stored),
        _ => null,
    };

    private PairStep Woken()
    {
        _wakeArmedFor = null;
        return _schedule.OnDue(Now, PingTarget.Of(Lookup()), _deps.StoreSharedWithOtherWriters);
    }

    private ProviderConfig? Lookup() => _deps.Catalog.Current.Find(Pair.Model, Pair.Host);

    private string Node => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();

    private void Carry(PairStep step)
    {
        _schedule = step.Schedule;
        var decisions = step.Decisions;
        if (decisions.OccupyHost) _deps.HostGates.Tell(new HostUsed(Pair.Host, Pair.Model));
        if (decisions.ReleaseLease is { } released) _deps.HostGates.Tell(new ReleasePingLease(Pair.Host, Pair, released));
        if (decisions.RequestLease is { } attempt)
        {
            _deps.HostGates.Tell(new RequestPingLease(Pair.Host, Pair, attempt));
            // A request or answer lost with the gate's node (a crash) must not leave the pair waiting: ask again soon.
            TellSelfIn(_deps.Settings.LeaseRequestRetry, new LeaseWaitExpired(attempt));
        }

        if (decisions.Mirror is { } change) _deps.Scheduler.Tell(new SchedulerProtocol.MirrorSchedule(change));
        if (decisions.CheckStore is { } check) _deps.Scheduler.Tell(new SchedulerProtocol.CheckStoredWakeUp(Pair, check));
        if (decisions.SendPing) SendPing();
        if (decisions.WakeAt is { } at) WakeAt(at);
        if (decisions.Linger) TellSelfIn(_deps.Settings.UnregisteredLinger, LingerOver.Instance);
        if (decisions.Leave) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        if (decisions.HandOver)
        {
            _successor!.Tell(new ScheduleHandedOver(_schedule.Status(Node)), ActorRefs.NoSender);
            _deps.Scheduler.Tell(new SchedulerProtocol.HandedOver(Pair));
        }

        if (decisions.AnswerPingNow is { } answer) AnswerPingNowAskers(answer);
        if (decisions.Metric is { } metric) KeepAliveMetrics.Record(metric);
        if (decisions.Log is { } log) _deps.Log.Log(log.Level, "[keep-alive] " + log.Template, log.Args);
    }

    // The step was decided on this very lookup (same message): the provider is there and pingable.
    private void SendPing()
    {
        var pinging = (PairPhase.Pinging)_schedule.Phase;
        var provider = Lookup()!;
        var request = PingRequestFactory.Create(provider, _schedule.PingRequestInterval(provider), _deps.Settings)!;
        _deps.PingSenders.Tell(new SendPing(Pair, request));
        TellSelfIn(_deps.Settings.PingOutcomeDeadline, new PingOutcomeLost(pinging.Attempt));
    }

    private void AnswerPingNowAskers(PingNowAnswered answer)
    {
        foreach (var asker in _pingNowAskers ?? []) asker.Tell(answer);
        _pingNowAskers = null;
    }

    // A hot pair moves its wake-up on every usage: a timer that fires no later than the new wake-up is kept (the pair
    // sets the rest when it fires) instead of a new timer on every usage.
    private void WakeAt(DateTimeOffset at)
    {
        var now = Now;
        if (at > now && _wakeArmedFor is { } armed && armed <= at) return;
        _wakeArmedFor = at;
        if (at <= now) Self.Tell(new WakeUp(at));
        else TellSelfIn(at - now, new WakeUp(at));
    }

    // Not IWithTimers: its timer table would cost every idle pair several hundred bytes, for timers that need no
    // cancelling here (see the timer messages above).
#pragma warning disable AK1004
    private void TellSelfIn(TimeSpan delay, object message) => Context.System.Scheduler.ScheduleTellOnce(delay, Self, message, Self);
#pragma warning restore AK1004

    // Everything the pair knows goes to its successor through another node's region, which delivers once the shard has
    // its new home; messages that reach this incarnation before it stops follow the same way.
    private void OnHandOff()
    {
        _successor = _deps.Successors.For(Pair);
        Carry(_schedule.OnHandOff(_successor is not null));
        _handedOff = true;
        Self.Tell(PoisonPill.Instance);
    }

    private void FollowSuccessor(object message)
    {
        switch (message)
        {
            case IWithPairKey forPair:
                _successor?.Tell(forPair, Sender);
                break;
            // The host's lease of a ping still out goes back once the ping ends.
            case IPingOutcome when _schedule.Phase is PairPhase.Pinging pinging:
                _deps.HostGates.Tell(new ReleasePingLease(Pair.Host, Pair, pinging.Attempt));
                break;
        }
    }
}
