using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Scheduling;
using static KeepAlive.Actors.Hosts.HostGateProtocol;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;
using static KeepAlive.Actors.Providers.ProviderProtocol;

namespace KeepAlive.Actors.Providers;

/// <summary>What a <see cref="ProviderActor"/> talks to; the same for every pair of a node.</summary>
/// <param name="HostGates">The host gate shard region (or anything that routes <see cref="Hosts.IWithHost"/>).</param>
/// <param name="PingSenders">The node's ping sender pool.</param>
/// <param name="Scheduler">The node's <see cref="SchedulerActor"/>.</param>
/// <param name="Successors">Where a pair that moves hands its schedule over.</param>
public sealed record ProviderDependencies(
    KeepAliveSettings Settings,
    ProviderCatalogHolder Catalog,
    IActorRef HostGates,
    IActorRef PingSenders,
    IActorRef Scheduler,
    ISuccessorRegions Successors);

/// <summary>
/// One per <c>(model, host)</c> pair in the whole cluster. Holds the pair's schedule in a single wake-up
/// timer: usage pushes it back, a due wake-up asks the host's gate for a lease and pings through the
/// sender pool, the outcome sets the next wake-up (or a backoff retry). Every change is mirrored to the
/// node's scheduler, which writes the durable schedule.
/// </summary>
/// <remarks>
/// A pair's actor starts with nothing: usage gives it a schedule, the sweep hands it the stored one
/// (<see cref="ResumeSchedule"/>), or its predecessor hands over everything it knew when the pair moved
/// (<see cref="ScheduleHandedOver"/>, sent when sharding stops it for a handoff with <see cref="HandOff"/>).
/// </remarks>
public sealed class ProviderActor : ReceiveActor, IWithTimers
{
    private enum Phase
    {
        Idle,
        AwaitingLease,
        Pinging,
    }

    private sealed class WakeUp
    {
        public static readonly WakeUp Instance = new();
        private WakeUp() { }
    }

    private sealed class LeaseWaitExpired
    {
        public static readonly LeaseWaitExpired Instance = new();
        private LeaseWaitExpired() { }
    }

    private sealed record PingResultLost(long Attempt);

    /// <summary>
    /// Sharding's stop message for a handoff (a graceful leave, a rebalance), set as the region's
    /// <c>HandOffStopMessage</c>: the pair hands its schedule over to its successor before it stops.
    /// </summary>
    public sealed class HandOff
    {
        public static readonly HandOff Instance = new();
        private HandOff() { }
    }

    private sealed class UnregisteredLingerOver
    {
        public static readonly UnregisteredLingerOver Instance = new();
        private UnregisteredLingerOver() { }
    }

    // The sender's own timeout ends every ping; past this margin the result was lost on the way back.
    private static readonly TimeSpan ResultMargin = TimeSpan.FromSeconds(5);

    private readonly ProviderKey _pair;
    private readonly ProviderDependencies _deps;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private TimeSpan? _interval;
    private (TimeSpan Interval, TimeSpan Offset)? _offset;
    private PairState _state = PairState.Off;
    private string? _reason = "no usage recorded yet";
    private DateTimeOffset? _nextWakeUp;
    private DateTimeOffset? _timerFiresAt;
    private DateTimeOffset? _lastUsage;
    private LastPing? _lastPing;
    private int _consecutiveFailures;
    private string? _lastSkip;
    private Phase _phase = Phase.Idle;
    private long _attempt;
    private DateTimeOffset _pingStartedAt;
    private string _pingApiType = string.Empty;
    private bool _touchedSinceStart;
    private string? _lastLoggedProblem;
    private (string? Text, KeepAliveSetting Setting)? _parsedKeepAlive;
    private bool _mirrored;

    public ProviderActor(ProviderKey pair, ProviderDependencies deps)
    {
        _pair = pair;
        _deps = deps;

        Scheduling();
    }

    private void Scheduling()
    {
        Receive<RecordUsage>(usage =>
        {
            ConfirmIfAsked(usage);
            OnUsage(usage.KeepAlive);
        });
        Receive<Unregister>(unregister =>
        {
            ConfirmIfAsked(unregister);
            OnUnregister();
        });
        // A pair that never told a schedule (unknown, or bad data of others) has nothing to write again.
        Receive<RewriteSchedule>(_ => _mirrored, _ => Mirror());
        Receive<GetProviderStatus>(_ => Sender.Tell(Status()));
        Receive<ResumeSchedule>(resume =>
        {
            Sender.Tell(Confirmed.Instance);
            OnResume(resume);
        });
        Receive<ScheduleHandedOver>(handedOver => OnHandedOver(handedOver.Predecessor));
        Receive<HandOff>(_ => OnHandOff());
        Receive<WakeUp>(_ => OnWakeUp());
        Receive<HostBusy>(busy => busy.Attempt == _attempt && _phase == Phase.AwaitingLease, OnHostBusy);
        Receive<PingLeaseGranted>(granted => OnLeaseGranted(granted.Attempt));
        Receive<LeaseWaitExpired>(_ => OnLeaseWaitExpired());
        Receive<PingSucceeded>(_ => _phase == Phase.Pinging, OnPingSucceeded);
        Receive<PingFailed>(_ => _phase == Phase.Pinging, failed => OnPingFailed(failed.Reason, failed.StatusCode, failed.Latency, failed.Detail));
        Receive<PingResultLost>(lost => lost.Attempt == _attempt && _phase == Phase.Pinging,
            _ => OnPingFailed(PingFailureReason.Timeout, null, _deps.Settings.PingTimeout + ResultMargin, "no result from the sender"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ProviderKey pair, ProviderDependencies deps) =>
        Akka.Actor.Props.Create(() => new ProviderActor(pair, deps));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    // Timers die with an incarnation (restart, handoff, failover): what re-arms them arrives as a message
    // (usage, the sweep's stored schedule, the predecessor's hand-over), never from PreStart.
    protected override void PreStart() => KeepAliveMetrics.PairStarted();

    protected override void PostStop() => KeepAliveMetrics.PairStopped();

    private void ConfirmIfAsked(IConfirmable command)
    {
        if (command.Confirm) Sender.Tell(Confirmed.Instance);
    }

    private void OnUsage(string? keepAlive)
    {
        _touchedSinceStart = true;
        var now = Now;
        _lastUsage = now;
        _deps.HostGates.Tell(new HostUsed(_pair.Host, _pair.Model));

        switch (ParseKeepAlive(keepAlive))
        {
            case KeepAliveSetting.Every every:
                _interval = every.Interval;
                AbandonPendingLease();
                SetState(PairState.Scheduled, null);
                ScheduleAfterActivity(now);
                break;
            case KeepAliveSetting.Off off:
                TurnOff(off.Reason);
                break;
            case KeepAliveSetting.Invalid invalid:
                TurnOff($"invalid keep_alive '{invalid.Input}': {invalid.Reason}");
                break;
        }
    }

    /// <summary>A router sends the same keep_alive with every usage: parse it once.</summary>
    private KeepAliveSetting ParseKeepAlive(string? text)
    {
        if (_parsedKeepAlive is { } parsed && parsed.Text == text) return parsed.Setting;
        var setting = KeepAliveDuration.Parse(text);
        _parsedKeepAlive = (text, setting);
        return setting;
    }

    private void TurnOff(string reason)
    {
        _interval = null;
        _nextWakeUp = null;
        CancelTimer();
        AbandonPendingLease();
        SetState(PairState.Off, reason);
        LogProblemOnce($"[keep-alive] {_pair} is not scheduled: {reason}");
        Mirror();
    }

    private void OnUnregister()
    {
        _touchedSinceStart = true;
        CancelTimer();
        Timers.CancelAll();
        AbandonPendingLease();
        _deps.Scheduler.Tell(new SchedulerProtocol.MirrorSchedule(new ScheduleChange.Remove(_pair)));
        _log.Info("[keep-alive] {0} unregistered", _pair);
        _mirrored = false;
        SetState(PairState.Unregistered, "unregistered");
        Timers.StartSingleTimer(UnregisteredLingerOver.Instance, UnregisteredLingerOver.Instance, _deps.Settings.UnregisteredLinger);
        // A ping outcome, wake-up or stored schedule arriving now would mirror a schedule over the removal and bring
        // the pair back; only new usage does.
        Become(() =>
        {
            Receive<RecordUsage>(usage =>
            {
                Timers.Cancel(UnregisteredLingerOver.Instance);
                Become(Scheduling);
                ConfirmIfAsked(usage);
                OnUsage(usage.KeepAlive);
            });
            Receive<Unregister>(ConfirmIfAsked);
            Receive<ResumeSchedule>(_ => Sender.Tell(Confirmed.Instance));
            Receive<GetProviderStatus>(_ => Sender.Tell(Status()));
            // The host's lease waits for the outcome of a ping in flight (the gate frees it after the timeout otherwise).
            Receive<PingSucceeded>(_ => ReleaseLease());
            Receive<PingFailed>(_ => ReleaseLease());
            Receive<UnregisteredLingerOver>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
            Receive<HandOff>(_ => Context.Stop(Self));
            ReceiveAny(_ => { });
        });
    }

    private void OnResume(ResumeSchedule stored)
    {
        // A pair that runs knows better than the store: usage or its predecessor came first.
        if (_touchedSinceStart || stored.KeepAliveSeconds <= 0) return;
        _touchedSinceStart = true;
        _lastUsage = Now;
        _interval = TimeSpan.FromSeconds(stored.KeepAliveSeconds);
        SetState(PairState.Scheduled, null);
        // Overdue pairs fire now, each after its own offset, so a recovery does not ping all in one tick.
        var due = stored.NextWakeUp > Now ? stored.NextWakeUp : Now + Offset();
        // What the store holds needs no write back; a moved (overdue) wake-up does.
        ArmAt(due, mirror: due != stored.NextWakeUp);
        _log.Debug("[keep-alive] {0} resumed from the stored schedule, next wake-up {1:O}", _pair, _nextWakeUp);
    }

    private void OnHandedOver(ProviderStatus predecessor)
    {
        if (_touchedSinceStart) return;
        _touchedSinceStart = true;
        _lastUsage = predecessor.LastUsage;
        _lastPing = predecessor.LastPing;
        _consecutiveFailures = predecessor.ConsecutiveFailures;
        _lastSkip = predecessor.LastSkip;
        if (predecessor.KeepAliveSeconds <= 0)
        {
            SetState(PairState.Off, predecessor.Reason);
            Mirror();
            return;
        }

        _interval = TimeSpan.FromSeconds(predecessor.KeepAliveSeconds);
        if (predecessor.NextWakeUp is not { } due)
        {
            SetState(predecessor.State, predecessor.Reason);
            Mirror();
            return;
        }

        // A lease wait or a ping in flight ended with the predecessor: due again (a ping in flight had moved its
        // wake-up an interval on already).
        SetState(predecessor.State is PairState.AwaitingHost or PairState.Pinging ? PairState.Scheduled : predecessor.State, predecessor.Reason);
        ArmAt(due);
        _log.Debug("[keep-alive] {0} taken over from its predecessor, next wake-up {1:O}", _pair, _nextWakeUp);
    }

    /// <summary>
    /// Sharding moves the pair: everything it knows goes to its successor (through another node's region, which
    /// delivers once the shard has its new home), and from now on the successor writes the pair's schedule.
    /// Messages that reach this incarnation before it stops follow the same way.
    /// </summary>
    private void OnHandOff()
    {
        CancelTimer();
        Timers.CancelAll();
        AbandonPendingLease();
        var successor = _deps.Successors.For(_pair);
        if (successor is not null && _touchedSinceStart)
        {
            successor.Tell(new ScheduleHandedOver(Status()), ActorRefs.NoSender);
            _deps.Scheduler.Tell(new SchedulerProtocol.HandedOver(_pair));
        }

        Self.Tell(PoisonPill.Instance);
        Become(() =>
        {
            Receive<IWithProviderKey>(message => successor?.Tell(message, Sender));
            Receive<PingSucceeded>(_ => ReleaseLease());
            Receive<PingFailed>(_ => ReleaseLease());
            ReceiveAny(_ => { });
        });
    }

    private void OnWakeUp()
    {
        _timerFiresAt = null;
        if (_phase != Phase.Idle || _interval is not { } interval || _nextWakeUp is not { } due) return;
        var now = Now;
        // Usage moved the wake-up later than the armed timer: arm for the rest.
        if (now < due)
        {
            ArmTimer(due, now);
            return;
        }

        if (_deps.Settings.MaxIdle is { } maxIdle && _lastUsage is { } used && now - used >= maxIdle)
        {
            _nextWakeUp = null;
            SetState(PairState.IdleExpired, $"no usage for {maxIdle}");
            KeepAliveMetrics.PingSkipped(KeepAliveMetrics.SkipReasons.IdleExpired);
            LogProblemOnce($"[keep-alive] {_pair} stops pinging: no usage for {maxIdle}");
            Mirror();
            return;
        }

        if (SkipReason() is { } skip)
        {
            _lastSkip = skip;
            KeepAliveMetrics.PingSkipped(KeepAliveMetrics.SkipReasons.Unconfigured);
            ScheduleAfterActivity(now);
            return;
        }

        _phase = Phase.AwaitingLease;
        SetState(PairState.AwaitingHost, null);
        RequestLease();
    }

    /// <summary>Why the pair cannot be pinged at all right now (config), or null when it can.</summary>
    private string? SkipReason()
    {
        var provider = _deps.Catalog.Current.Find(_pair.Model, _pair.Host);
        string? problem = provider is null
            ? "no provider in models-config for this model and host"
            : !PingRequestFactory.IsSupported(provider.ApiType)
                ? $"api_type '{provider.ApiType}' is not supported (vllm, openai, ollama)"
                : null;
        if (problem is null) return null;
        SetState(PairState.Unconfigured, problem);
        LogProblemOnce($"[keep-alive] {_pair} is not pinged: {problem}");
        return problem;
    }

    private void RequestLease()
    {
        _attempt++;
        _deps.HostGates.Tell(new RequestPingLease(_pair.Host, _pair, _attempt));
        // A request or answer lost with the gate's node (a crash) must not leave the pair waiting: ask again soon.
        Timers.StartSingleTimer(LeaseWaitExpired.Instance, LeaseWaitExpired.Instance, _deps.Settings.LeaseRequestRetry);
    }

    // The new request replaces the old one at the gate: a waiting pair keeps its place, a lease granted to the old
    // request (its answer lost) is freed.
    private void OnLeaseWaitExpired()
    {
        if (_phase != Phase.AwaitingLease) return;
        RequestLease();
    }

    private void OnHostBusy(HostBusy busy)
    {
        Timers.Cancel(LeaseWaitExpired.Instance);
        _phase = Phase.Idle;
        _lastSkip = $"host busy with {busy.Occupant}";
        _log.Info("[keep-alive] {0} skipped: {1}", _pair, _lastSkip);
        KeepAliveMetrics.PingSkipped(KeepAliveMetrics.SkipReasons.HostBusy);
        SetState(PairState.Scheduled, null);
        // The original's rule: a busy host postpones the ping by one interval.
        ScheduleAfterActivity(Now);
    }

    private void OnLeaseGranted(long attempt)
    {
        if (attempt != _attempt || _phase != Phase.AwaitingLease)
        {
            _deps.HostGates.Tell(new ReleasePingLease(_pair.Host, _pair, attempt));
            return;
        }

        Timers.Cancel(LeaseWaitExpired.Instance);
        var provider = _deps.Catalog.Current.Find(_pair.Model, _pair.Host);
        var request = provider is null ? null : PingRequestFactory.Create(provider, _interval!.Value, _deps.Settings);
        if (request is null)
        {
            // The config changed while the pair waited for the host.
            ReleaseLease();
            _phase = Phase.Idle;
            _lastSkip = SkipReason();
            ScheduleAfterActivity(Now);
            return;
        }

        _phase = Phase.Pinging;
        _pingStartedAt = Now;
        SetState(PairState.Pinging, null);
        _lastSkip = null;
        _pingApiType = provider!.ApiType;
        KeepAliveMetrics.PingSent(_pingApiType, _pingStartedAt - _nextWakeUp!.Value);
        // Stored before the outcome is known: if this node dies or hands the pair off mid-ping, the next
        // incarnation waits an interval instead of seeing the old, overdue wake-up and pinging again at once.
        _nextWakeUp = _pingStartedAt + _interval!.Value + Offset();
        Mirror();
        _deps.PingSenders.Tell(new SendPing(_pair, request));
        Timers.StartSingleTimer(typeof(PingResultLost), new PingResultLost(_attempt), _deps.Settings.PingTimeout + ResultMargin);
        _log.Info("[keep-alive] pinging {0} at {1} ({2})", _pair.Model, _pair.Host, provider.ApiType);
    }

    private void OnPingSucceeded(PingSucceeded ok)
    {
        FinishPing();
        _consecutiveFailures = 0;
        _lastPing = new LastPing(_pingStartedAt, true, ok.StatusCode, ok.Latency, null);
        KeepAliveMetrics.PingSucceeded(_pingApiType, ok.Latency);
        _log.Info("[keep-alive] ping of {0} at {1} succeeded: HTTP {2} in {3} ms",
            _pair.Model, _pair.Host, ok.StatusCode, (long)ok.Latency.TotalMilliseconds);
        SetState(PairState.Scheduled, null);
        ScheduleAfterActivity(Later(_pingStartedAt, _lastUsage));
    }

    private void OnPingFailed(PingFailureReason reason, int? status, TimeSpan latency, string detail)
    {
        FinishPing();
        _consecutiveFailures++;
        _lastPing = new LastPing(_pingStartedAt, false, status, latency, $"{reason}: {detail}");
        KeepAliveMetrics.PingFailed(_pingApiType, _pair.Host, reason, latency);
        _log.Info("[keep-alive] ping of {0} at {1} failed ({2}, attempt {3}): {4}",
            _pair.Model, _pair.Host, reason, _consecutiveFailures, detail);

        // Real traffic during the ping says more about the host than the failed ping: wait a full interval.
        if (_lastUsage > _pingStartedAt)
        {
            SetState(PairState.Scheduled, null);
            ScheduleAfterActivity(_lastUsage.Value);
            return;
        }

        SetState(PairState.BackingOff, null);
        ArmAt(Now + Backoff() + Offset());
    }

    private void FinishPing()
    {
        Timers.Cancel(typeof(PingResultLost));
        ReleaseLease();
        _phase = Phase.Idle;
    }

    private TimeSpan Backoff()
    {
        var exponent = Math.Min(_consecutiveFailures - 1, 30);
        return TimeSpan.FromTicks((long)Math.Min(_deps.Settings.FirstRetryDelay.Ticks * Math.Pow(2, exponent), _interval!.Value.Ticks));
    }

    private void ReleaseLease() => _deps.HostGates.Tell(new ReleasePingLease(_pair.Host, _pair, _attempt));

    /// <summary>Drops a lease request the pair no longer needs (usage pushed the wake-up back).</summary>
    private void AbandonPendingLease()
    {
        if (_phase != Phase.AwaitingLease) return;
        Timers.Cancel(LeaseWaitExpired.Instance);
        ReleaseLease();
        _attempt++;
        _phase = Phase.Idle;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b is { } other && other > a ? other : a;

    /// <summary>The pair's offset for its interval, hashed once per interval rather than on every usage.</summary>
    private TimeSpan Offset()
    {
        var interval = _interval!.Value;
        if (_offset is not { } cached || cached.Interval != interval)
            _offset = cached = (interval, PingSpread.OffsetFor(_pair, interval, _deps.Settings));
        return cached.Offset;
    }

    private long KeepAliveSeconds => _interval is { } interval ? (long)Math.Ceiling(interval.TotalSeconds) : 0;

    /// <summary>The next ping is one interval (plus the pair's offset) after the last activity.</summary>
    private void ScheduleAfterActivity(DateTimeOffset activity) => ArmAt(activity + _interval!.Value + Offset());

    private void ArmAt(DateTimeOffset at, bool mirror = true)
    {
        _nextWakeUp = at;
        if (mirror) Mirror();
        else _mirrored = true;
        var now = Now;
        if (at <= now)
        {
            CancelTimer();
            Self.Tell(WakeUp.Instance);
            return;
        }

        // A hot pair moves its wake-up on every usage; an armed timer that fires no later than the new
        // wake-up is kept (and re-armed for the rest when it fires) instead of being replaced each time.
        if (_timerFiresAt is { } armed && armed <= at) return;
        ArmTimer(at, now);
    }

    private void ArmTimer(DateTimeOffset at, DateTimeOffset now)
    {
        _timerFiresAt = at;
        Timers.StartSingleTimer(WakeUp.Instance, WakeUp.Instance, at - now);
    }

    private void CancelTimer()
    {
        _timerFiresAt = null;
        Timers.Cancel(WakeUp.Instance);
    }

    private void Mirror()
    {
        _mirrored = true;
        _deps.Scheduler.Tell(new SchedulerProtocol.MirrorSchedule(new ScheduleChange.Upsert(_pair, KeepAliveSeconds, _nextWakeUp)));
    }

    private void SetState(PairState state, string? reason)
    {
        _state = state;
        _reason = reason;
        if (reason is null) _lastLoggedProblem = null;
    }

    /// <summary>A problem is logged when it appears, not every interval it persists.</summary>
    private void LogProblemOnce(string message)
    {
        if (message == _lastLoggedProblem) return;
        _lastLoggedProblem = message;
        _log.Warning(message);
    }

    private ProviderStatus Status() => new(
        _pair,
        KeepAliveSeconds,
        _state,
        _nextWakeUp,
        _lastUsage,
        _lastPing,
        _consecutiveFailures,
        _lastSkip,
        _reason,
        ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString());
}
