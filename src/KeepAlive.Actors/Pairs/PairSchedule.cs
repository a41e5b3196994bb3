using Akka.Event;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Scheduling;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Pairs;

/// <summary>Where a pair is in its cycle. One closed set of cases; a pair's status is derived from it.</summary>
public abstract record PairPhase
{
    private PairPhase() { }

    /// <summary>The pair's actor has started and nothing has told it a schedule yet.</summary>
    public sealed record Fresh : PairPhase
    {
        public static readonly Fresh Instance = new();
    }

    /// <summary>keep_alive is falsy or invalid: never pinged. <paramref name="PingInFlight"/>: the lease of a ping still out.</summary>
    public sealed record Off(string Reason, long? PingInFlight = null) : PairPhase;

    /// <summary>Waiting for <paramref name="Due"/>.</summary>
    public sealed record Scheduled(DateTimeOffset Due) : PairPhase;

    /// <summary>The last ping failed; <paramref name="Due"/> is the retry.</summary>
    public sealed record BackingOff(DateTimeOffset Due) : PairPhase;

    /// <summary>No usable provider in models-config; looked at again at <paramref name="Due"/>.</summary>
    public sealed record Unconfigured(DateTimeOffset Due, string Reason) : PairPhase;

    /// <summary>No usage for max-idle: nothing until the next usage.</summary>
    public sealed record IdleExpired(string Reason) : PairPhase;

    /// <summary>
    /// Due at <paramref name="Due"/>; the store is read first (<paramref name="Attempt"/> tells its answer), since another
    /// writer (the router's own monitor) may have moved the pair's next ping later.
    /// </summary>
    public sealed record CheckingStore(DateTimeOffset Due, long Attempt) : PairPhase;

    /// <summary>Due at <paramref name="Due"/>, waiting for the host's lease asked for with <paramref name="Attempt"/>.</summary>
    public sealed record AwaitingHost(DateTimeOffset Due, long Attempt) : PairPhase;

    /// <summary>A ping sent at <paramref name="StartedAt"/> under <paramref name="Attempt"/>'s lease waits for its outcome.</summary>
    public sealed record Pinging(long Attempt, DateTimeOffset StartedAt, string ApiType) : PairPhase;

    /// <summary>Unregistered: a tombstone until it leaves, so a stale stored schedule cannot revive it.</summary>
    public sealed record Unregistered(long? PingInFlight = null) : PairPhase;
}

/// <summary>Whether models-config lets a pair be pinged now, as its actor looked it up.</summary>
public abstract record PingTarget
{
    private PingTarget() { }

    public sealed record Pingable(string ApiType) : PingTarget;

    public sealed record NotPingable(string Problem) : PingTarget;

    public static PingTarget Of(ProviderConfig? provider) =>
        provider is null ? new NotPingable("no provider in models-config for this model and host")
        : !PingRequestFactory.IsSupported(provider.ApiType) ? new NotPingable($"api_type '{provider.ApiType}' is not supported ({PingRequestFactory.SupportedApiTypes})")
        : new Pingable(provider.ApiType);
}

/// <summary>What the pair's actor carries out after a step. Only what is set happens.</summary>
public readonly record struct PairDecisions
{
    /// <summary>Tell the host's gate that the pair's model occupies it.</summary>
    public bool OccupyHost { get; init; }

    /// <summary>Give back (or drop the request of) the lease asked for with this attempt.</summary>
    public long? ReleaseLease { get; init; }

    /// <summary>Ask the host's gate for a lease with this attempt, and ask again if no answer comes.</summary>
    public long? RequestLease { get; init; }

    /// <summary>Send the ping of the <see cref="PairPhase.Pinging"/> phase, and count it lost if no outcome comes.</summary>
    public bool SendPing { get; init; }

    /// <summary>Wake the pair at this time (at once when it has passed).</summary>
    public DateTimeOffset? WakeAt { get; init; }

    /// <summary>Write this to the durable schedule.</summary>
    public ScheduleChange? Mirror { get; init; }

    /// <summary>Linger as a tombstone, then leave.</summary>
    public bool Linger { get; init; }

    /// <summary>Leave now (through sharding, so the entity is not started again).</summary>
    public bool Leave { get; init; }

    /// <summary>Hand the pair's status to its successor, which writes the pair's schedule from now on.</summary>
    public bool HandOver { get; init; }

    /// <summary>Ask the node's writer what the store holds for the pair (unless a change of the pair's own waits there).</summary>
    public StoreCheck? CheckStore { get; init; }

    /// <summary>Answer everyone waiting for a ping asked for now with this.</summary>
    public PingNowAnswered? AnswerPingNow { get; init; }

    public PairLog? Log { get; init; }

    public PairMetric? Metric { get; init; }
}

/// <summary>A line the pair logs; the template's named placeholders take <paramref name="Args"/> in order.</summary>
public sealed record PairLog(LogLevel Level, string Template, params object?[] Args);

/// <summary>
/// A read of the pair's stored wake-up. <paramref name="Token"/> comes back with the answer, so an answer the pair has
/// moved past is recognised; <paramref name="BeforePing"/>: the pair is due, else it compares with the sweep's read.
/// </summary>
public sealed record StoreCheck(long Token, bool BeforePing);

/// <summary>
/// A ping asked for now that has not been answered. <paramref name="Resume"/>: the phase the pair returns to when the
/// ask ends without a ping (the host is busy), or after the ping when the pair has no cycle of its own (fresh, off,
/// idle); null when the ask joined the pair's own due ping, which then ends by the usual rules.
/// </summary>
public sealed record PingDemand(PairPhase? Resume);

/// <summary>What a step counts in the node's metrics.</summary>
public abstract record PairMetric
{
    private PairMetric() { }

    public sealed record PingSent(string ApiType, TimeSpan Lateness) : PairMetric;

    public sealed record PingSucceeded(string ApiType, TimeSpan Latency) : PairMetric;

    public sealed record PingFailed(string ApiType, string Host, PingFailureReason Reason, TimeSpan Latency) : PairMetric;

    /// <param name="Reason">One of <see cref="KeepAliveMetrics.SkipReasons"/>.</param>
    public sealed record PingSkipped(string Reason) : PairMetric;
}

/// <summary>
/// The rules of one <c>(model, host)</c> pair, apart from its actor: each input (usage, its wake-up, the gate's answer,
/// the ping's outcome, a stored or handed-over schedule, unregister) gives the next schedule and the decisions to carry
/// out. Immutable; time comes in with each input.
/// </summary>
/// <remarks>
/// Usage moves the next ping to usage + keep_alive. A due pair asks its host's gate for the lease; a host busy with
/// another model postpones the ping by one interval. Success schedules the next ping one interval after the ping's
/// end; failure retries after 5 s, doubling, capped at keep_alive, unless usage came
/// during the ping (then a full interval after it). Every wake-up carries the pair's offset (<see cref="PingSpread"/>).
/// </remarks>
public sealed record PairSchedule
{
    private PairSchedule(PairKey pair, KeepAliveSettings settings)
    {
        Pair = pair;
        Settings = settings;
    }

    public PairKey Pair { get; private init; }

    public KeepAliveSettings Settings { get; }

    public PairPhase Phase { get; private init; } = PairPhase.Fresh.Instance;

    /// <summary>The keep_alive in force; null while the pair has none (fresh, off).</summary>
    public TimeSpan? Interval { get; private init; }

    /// <summary>The pair's offset for <see cref="Interval"/>, added to every wake-up.</summary>
    public TimeSpan Offset { get; private init; }

    public DateTimeOffset? LastUsage { get; private init; }

    public LastPing? LastPing { get; private init; }

    public int ConsecutiveFailures { get; private init; }

    /// <summary>Why the last due ping was not sent, if it was not.</summary>
    public string? LastSkip { get; private init; }

    /// <summary>The last lease attempt; a new request takes the next, so a late answer to an old one is recognised.</summary>
    public long LastAttempt { get; private init; }

    /// <summary>Usage, the store or the predecessor gave this incarnation its schedule: a stored one arriving later is older.</summary>
    public bool HasOwnSchedule { get; private init; }

    /// <summary>The store holds (or was told) this incarnation's schedule, so it can be written again.</summary>
    public bool Mirrored { get; private init; }

    /// <summary>The problem last logged: a problem is logged when it appears, not every interval it lasts.</summary>
    public string? LoggedProblem { get; private init; }

    /// <summary>
    /// The wake-up this incarnation last wrote (or found) in the store, as the store keeps it (whole seconds): a stored
    /// wake-up that differs was written by another program.
    /// </summary>
    public DateTimeOffset? OwnStoredWakeUp { get; private init; }

    /// <summary>A ping asked for now, waiting for its host or its outcome.</summary>
    public PingDemand? Demand { get; private init; }

    /// <summary>What a pair pinged without a keep_alive of its own asks Ollama to keep the model loaded for: Ollama's own default.</summary>
    public static readonly TimeSpan UnscheduledPingKeepAlive = TimeSpan.FromMinutes(5);

    public static PairSchedule Fresh(PairKey pair, KeepAliveSettings settings) => new(pair, settings);

    internal PairSchedule WithLoggedProblem(string problem) => this with { LoggedProblem = problem };

    /// <summary>
    /// The same pair under <paramref name="key"/>'s instance, when it is equal: a pair's actor then holds the strings its
    /// shard already holds for the entity id instead of a copy of its own.
    /// </summary>
    public PairSchedule SharingKey(PairKey key) =>
        ReferenceEquals(key, Pair) || !key.Equals(Pair) ? this : this with { Pair = key };

    /// <summary>The keep_alive in whole seconds as the store keeps it; 0 when the pair has none.</summary>
    public long KeepAliveSeconds => Interval is { } interval ? (long)Math.Ceiling(interval.TotalSeconds) : 0;

    /// <summary>When the pair is next pinged (or was due, while it waits for its host), if it is scheduled at all.</summary>
    public DateTimeOffset? NextWakeUp => Phase switch
    {
        PairPhase.Scheduled scheduled => scheduled.Due,
        PairPhase.BackingOff backingOff => backingOff.Due,
        PairPhase.Unconfigured unconfigured => unconfigured.Due,
        PairPhase.CheckingStore checking => checking.Due,
        PairPhase.AwaitingHost awaiting => awaiting.Due,
        // Written when the ping starts, so a successor after a crash mid-ping does not ping again at once.
        PairPhase.Pinging pinging when Interval is not null => After(Later(pinging.StartedAt, LastUsage)),
        _ => null,
    };

    /// <summary>What the pair says of itself; <paramref name="node"/> is where its actor lives.</summary>
    public PairStatus Status(string node) => new(
        Pair, KeepAliveSeconds, StateOf(Phase), NextWakeUp, LastUsage, LastPing, ConsecutiveFailures, LastSkip, ReasonOf(Phase), node);

    /// <summary>The router used the pair: its model occupies the host; the next ping moves to now + keep_alive.</summary>
    public PairStep OnUsage(KeepAliveValue keepAlive, DateTimeOffset now)
    {
        var used = this with { HasOwnSchedule = true, LastUsage = now };
        var step = keepAlive switch
        {
            KeepAliveValue.Every every => used.WithInterval(every.Interval).ScheduleAfter(now),
            KeepAliveValue.Off off => used.TurnOff(off.Reason),
            KeepAliveValue.Invalid invalid => used.TurnOff($"invalid keep_alive '{invalid.Input}': {invalid.Reason}"),
            _ => throw new ArgumentOutOfRangeException(nameof(keepAlive), keepAlive, "not a keep_alive setting"),
        };
        // A lease the pair waited for is no longer wanted: its next ping moved on.
        return KeepingDemand(step.With(step.Decisions with { OccupyHost = true, ReleaseLease = step.Decisions.ReleaseLease ?? LeaseLeftBehind(step.Schedule) }));
    }

    /// <summary>
    /// Someone asked for a ping now (a router warming a model before traffic). It goes the way of a due ping (its host's
    /// gate, the lease) but without reading the store first: the ask is explicit. Whoever asks while one is pending
    /// shares it; a pair already due or pinging answers with that ping.
    /// </summary>
    public PairStep OnPingNow(DateTimeOffset now, PingTarget target)
    {
        if (Demand is not null) return Unchanged;
        if (target is PingTarget.NotPingable notPingable) return Answering(PingNowOutcome.NotPingable, notPingable.Problem);

        switch (Phase)
        {
            case PairPhase.Unregistered:
                return Answering(PingNowOutcome.Interrupted, "the pair was unregistered moments ago; record usage to register it again");
            case PairPhase.Off { PingInFlight: not null }:
                return Answering(PingNowOutcome.Interrupted, "a ping of the pair is still out; ask again when it is done");
            case PairPhase.AwaitingHost or PairPhase.Pinging:
                return new PairStep(this with { Demand = new PingDemand(null) }, default);
            case PairPhase.CheckingStore checking:
                return new PairStep(
                    this with { Phase = new PairPhase.AwaitingHost(checking.Due, checking.Attempt), Demand = new PingDemand(null) },
                    new PairDecisions { RequestLease = checking.Attempt });
            default:
                var attempt = LastAttempt + 1;
                return new PairStep(
                    this with { Phase = new PairPhase.AwaitingHost(now, attempt), LastAttempt = attempt, Demand = new PingDemand(Phase) },
                    new PairDecisions { RequestLease = attempt });
        }
    }

    /// <summary>The keep_alive a ping of the pair asks Ollama for: the pair's own, else models-config's, else Ollama's default.</summary>
    public TimeSpan PingRequestInterval(ProviderConfig provider) =>
        Interval ?? (KeepAliveDuration.Parse(provider.KeepAlive) is KeepAliveValue.Every every ? every.Interval : UnscheduledPingKeepAlive);

    /// <summary>
    /// The wake-up timer fired; <paramref name="target"/> is what models-config says now. With
    /// <paramref name="storeSharedWithOtherWriters"/> the pair reads its stored wake-up before it asks its host.
    /// </summary>
    public PairStep OnDue(DateTimeOffset now, PingTarget target, bool storeSharedWithOtherWriters = false)
    {
        if (Phase is not (PairPhase.Scheduled or PairPhase.BackingOff or PairPhase.Unconfigured) || NextWakeUp is not { } due) return Unchanged;
        // A hot pair's timer is armed lazily and may fire before the wake-up that usage moved on: wait for the rest.
        if (now < due) return new PairStep(this, new PairDecisions { WakeAt = due });

        if (Settings.MaxIdle is { } maxIdle && LastUsage is { } used && now - used >= maxIdle)
        {
            var reason = $"no usage for {maxIdle}";
            var idle = With(new PairPhase.IdleExpired(reason)).WriteThrough();
            return idle.With(idle.Decisions with { Metric = new PairMetric.PingSkipped(KeepAliveMetrics.SkipReasons.IdleExpired) })
                .Noting($"stops pinging: {reason}");
        }

        if (target is PingTarget.NotPingable notPingable)
        {
            var skipped = NotPingable(notPingable.Problem, now);
            return skipped.With(skipped.Decisions with { Metric = new PairMetric.PingSkipped(KeepAliveMetrics.SkipReasons.Unconfigured) });
        }

        var attempt = LastAttempt + 1;
        return storeSharedWithOtherWriters
            ? new PairStep(
                With(new PairPhase.CheckingStore(due, attempt)) with { LastAttempt = attempt },
                new PairDecisions { CheckStore = new StoreCheck(attempt, BeforePing: true) })
            : new PairStep(With(new PairPhase.AwaitingHost(due, attempt)) with { LastAttempt = attempt }, new PairDecisions { RequestLease = attempt });
    }

    /// <summary>
    /// What the store holds for the pair, read through its node's writer. Another writer (the router's monitor) may
    /// have moved the next ping: later, just before a ping, the pair waits for it instead of pinging; either way, when the
    /// periodic sweep saw it, the pair follows it. A change of the pair's own still waiting to be written wins: the
    /// store does not show it yet.
    /// </summary>
    public PairStep OnStoreChecked(StoreCheck check, bool ownChangePending, DateTimeOffset? stored)
    {
        var moved = !ownChangePending && stored is { } wakeUp && wakeUp != OwnStoredWakeUp ? wakeUp : (DateTimeOffset?)null;
        if (check.BeforePing)
        {
            if (Phase is not PairPhase.CheckingStore checking || checking.Attempt != check.Token) return Unchanged;
            if (moved is { } later && later > WakeUpScores.Round(checking.Due)) return FollowOtherWriter(later);
            return new PairStep(this with { Phase = new PairPhase.AwaitingHost(checking.Due, checking.Attempt) }, new PairDecisions { RequestLease = checking.Attempt });
        }

        var stillAsAsked = Phase is PairPhase.Scheduled or PairPhase.BackingOff or PairPhase.Unconfigured && OwnStoredWakeUp?.UtcTicks == check.Token;
        return stillAsAsked && moved is { } other ? FollowOtherWriter(other) : Unchanged;
    }

    /// <summary>No answer from the gate for a while: ask again (the request or its answer may have been lost with a node).</summary>
    public PairStep OnLeaseWaitExpired(long attempt)
    {
        if (Phase is not PairPhase.AwaitingHost awaiting || awaiting.Attempt != attempt) return Unchanged;
        var next = LastAttempt + 1;
        return new PairStep(this with { Phase = awaiting with { Attempt = next }, LastAttempt = next }, new PairDecisions { RequestLease = next });
    }

    /// <summary>The host serves another model: pinging would evict it. The Python router's rule: one interval later.</summary>
    public PairStep OnHostBusy(long attempt, string occupant, DateTimeOffset now)
    {
        if (Phase is not PairPhase.AwaitingHost awaiting || awaiting.Attempt != attempt) return Unchanged;
        if (Demand?.Resume is { } resume)
        {
            var back = Resuming(resume);
            return Settled(back.With(back.Decisions with
            {
                Log = new PairLog(LogLevel.InfoLevel, "{Pair}: the ping asked for now is not sent, host busy with {Occupant}", Pair, occupant),
            }), PingNowOutcome.HostBusy, detail: occupant);
        }

        var skip = $"host busy with {occupant}";
        var step = (this with { LastSkip = skip }).ScheduleAfter(now);
        return Settled(step.With(step.Decisions with
        {
            Metric = new PairMetric.PingSkipped(KeepAliveMetrics.SkipReasons.HostBusy),
            Log = new PairLog(LogLevel.InfoLevel, "{Pair} skipped: {Skip}", Pair, skip),
        }), PingNowOutcome.HostBusy, detail: occupant);
    }

    /// <summary>The host's lease is the pair's: it pings, unless models-config changed while it waited.</summary>
    public PairStep OnLeaseGranted(long attempt, DateTimeOffset now, PingTarget target)
    {
        if (Phase is not PairPhase.AwaitingHost awaiting || awaiting.Attempt != attempt)
            return new PairStep(this, new PairDecisions { ReleaseLease = attempt });

        if (target is PingTarget.NotPingable notPingable)
        {
            var skipped = Demand?.Resume is { } resume ? Resuming(resume) : NotPingable(notPingable.Problem, now);
            return Settled(skipped.With(skipped.Decisions with { ReleaseLease = attempt }), PingNowOutcome.NotPingable, detail: notPingable.Problem);
        }

        var apiType = ((PingTarget.Pingable)target).ApiType;
        var sending = (this with { LastSkip = null }).With(new PairPhase.Pinging(attempt, now, apiType));
        // A pair pinged only because it was asked (fresh, off, idle) has no schedule to write.
        var pinging = CycleGoesOn ? sending.WriteThrough() : new PairStep(sending, default);
        return pinging.With(pinging.Decisions with
        {
            SendPing = true,
            Metric = new PairMetric.PingSent(apiType, now - awaiting.Due),
            Log = new PairLog(LogLevel.DebugLevel, "pinging {Model} at {Host} ({ApiType})", Pair.Model, Pair.Host, apiType),
        });
    }

    /// <summary>
    /// The next ping counts from the ping's end, as the Python router's monitor does and as the backends' idle timers do (Ollama
    /// restarts its keep_alive when the last request finishes): a slow ping, often a cold load, is not followed at once
    /// by another.
    /// </summary>
    public PairStep OnPingSucceeded(int statusCode, TimeSpan latency, DateTimeOffset now)
    {
        if (Phase is not PairPhase.Pinging pinging) return OutcomeAfterMovingOn();
        var done = this with { ConsecutiveFailures = 0, LastPing = new LastPing(pinging.StartedAt, true, statusCode, latency, null) };
        var step = CycleGoesOn ? done.Enter(new PairPhase.Scheduled(done.After(Later(now, LastUsage)))) : done.Resuming(Demand!.Resume!);
        return Settled(step.With(step.Decisions with
        {
            ReleaseLease = pinging.Attempt,
            Metric = new PairMetric.PingSucceeded(pinging.ApiType, latency),
            Log = new PairLog(LogLevel.DebugLevel, "ping of {Model} at {Host} succeeded: HTTP {Status} in {LatencyMs} ms",
                Pair.Model, Pair.Host, statusCode, (long)latency.TotalMilliseconds),
        }), PingNowOutcome.Pinged, done.LastPing);
    }

    public PairStep OnPingFailed(PingFailureReason reason, int? statusCode, TimeSpan latency, string detail, DateTimeOffset now)
    {
        if (Phase is not PairPhase.Pinging pinging) return OutcomeAfterMovingOn();
        var failures = ConsecutiveFailures + 1;
        var failed = this with
        {
            ConsecutiveFailures = failures,
            LastPing = new LastPing(pinging.StartedAt, false, statusCode, latency, $"{reason}: {detail}"),
        };
        // Real traffic during the ping says more about the host than the failed ping: wait a full interval after it.
        var step = !CycleGoesOn ? failed.Resuming(Demand!.Resume!)
            : failed.Enter(LastUsage is { } used && used > pinging.StartedAt
                ? new PairPhase.Scheduled(failed.After(used))
                : new PairPhase.BackingOff(now + failed.Backoff(failures) + Offset));
        return Settled(step.With(step.Decisions with
        {
            ReleaseLease = pinging.Attempt,
            Metric = new PairMetric.PingFailed(pinging.ApiType, Pair.Host, reason, latency),
            Log = new PairLog(LogLevel.InfoLevel, "ping of {Model} at {Host} failed ({Reason}, attempt {Failures}): {Detail}",
                Pair.Model, Pair.Host, reason, failures, detail),
        }), PingNowOutcome.Pinged, failed.LastPing);
    }

    /// <summary>The sender's timeout ends every ping: no outcome by then means it was lost on the way back.</summary>
    public PairStep OnPingOutcomeLost(long attempt, DateTimeOffset now) =>
        Phase is PairPhase.Pinging pinging && pinging.Attempt == attempt
            ? OnPingFailed(PingFailureReason.Timeout, null, Settings.PingOutcomeDeadline, "no result from the sender", now)
            : Unchanged;

    /// <summary>The sweep hands over what the store holds; a pair that has a schedule of its own keeps it.</summary>
    public PairStep OnStoredSchedule(long keepAliveSeconds, DateTimeOffset storedWakeUp, DateTimeOffset now)
    {
        if (HasOwnSchedule)
        {
            // Another writer changed it since this pair wrote it: check (a change of the pair's own may be waiting).
            var another = storedWakeUp != OwnStoredWakeUp && Phase is PairPhase.Scheduled or PairPhase.BackingOff or PairPhase.Unconfigured;
            return another && OwnStoredWakeUp is { } own
                ? new PairStep(this, new PairDecisions { CheckStore = new StoreCheck(own.UtcTicks, BeforePing: false) })
                : Unchanged;
        }

        if (keepAliveSeconds <= 0) return Unchanged;
        var adopted = (this with { HasOwnSchedule = true, LastUsage = now }).WithInterval(TimeSpan.FromSeconds(keepAliveSeconds));
        // Overdue pairs fire now, each after its own offset, so a recovery does not ping all in one tick.
        var due = storedWakeUp > now ? storedWakeUp : now + adopted.Offset;
        var log = new PairLog(LogLevel.DebugLevel, "{Pair} resumed from the stored schedule, next wake-up {WakeUp:O}", Pair, due);
        // What the store holds needs no writing back; a moved (overdue) wake-up does.
        var step = due == storedWakeUp
            ? new PairStep(adopted.With(new PairPhase.Scheduled(due)) with { Mirrored = true, OwnStoredWakeUp = due }, new PairDecisions { WakeAt = due })
            : adopted.Enter(new PairPhase.Scheduled(due));
        return KeepingDemand(step.With(step.Decisions with { Log = log }));
    }

    /// <summary>The pair moved and its predecessor handed over everything it knew; a pair that has a schedule of its own keeps it.</summary>
    public PairStep OnHandedOver(PairStatus predecessor)
    {
        if (HasOwnSchedule) return Unchanged;
        var taken = this with
        {
            HasOwnSchedule = true,
            LastUsage = predecessor.LastUsage,
            LastPing = predecessor.LastPing,
            ConsecutiveFailures = predecessor.ConsecutiveFailures,
            LastSkip = predecessor.LastSkip,
        };
        return KeepingDemand(predecessor.KeepAliveSeconds <= 0
            ? taken.With(new PairPhase.Off(predecessor.Reason ?? "keep_alive is off")).WriteThrough()
            : taken.WithInterval(TimeSpan.FromSeconds(predecessor.KeepAliveSeconds)).Enter(PhaseFrom(predecessor)));
    }

    /// <summary>No more pings; the keys leave the store; the actor lingers as a tombstone, then leaves.</summary>
    public PairStep OnUnregister() => Phase is PairPhase.Unregistered ? Unchanged : Settled(new(
        this with { Phase = new PairPhase.Unregistered(PingInFlight), HasOwnSchedule = true, Mirrored = false, LoggedProblem = null },
        new PairDecisions
        {
            ReleaseLease = LeaseLeftBehind(null),
            Mirror = new ScheduleChange.Remove(Pair),
            Linger = true,
            Log = new PairLog(LogLevel.InfoLevel, "{Pair} unregistered", Pair),
        }), PingNowOutcome.Interrupted, detail: "the pair was unregistered");

    /// <summary>
    /// Sharding moves the pair (a graceful leave, a rebalance): a pair with a schedule hands it over to its successor,
    /// if there is one, and a lease it waits for goes back. A tombstone has nothing to hand over.
    /// </summary>
    public PairStep OnHandOff(bool successorKnown) =>
        Settled(new(this, new PairDecisions
        {
            ReleaseLease = PendingLease,
            HandOver = successorKnown && HasOwnSchedule && Phase is not PairPhase.Unregistered,
        }), PingNowOutcome.Interrupted, detail: "the pair moved to another node; ask again");

    /// <summary>A tombstone has lingered long enough: it leaves, unless new usage registered the pair again meanwhile.</summary>
    public PairStep OnLingerOver() => Phase is PairPhase.Unregistered ? new PairStep(this, new PairDecisions { Leave = true }) : Unchanged;

    /// <summary>The store may have come back empty: the pair writes its schedule again, if this incarnation has one.</summary>
    public PairStep OnStoreBack() => Mirrored ? new PairStep(this, new PairDecisions { Mirror = CurrentChange }) : Unchanged;

    /// <summary>The lease this pair waits for, which nobody needs once the pair stops or moves.</summary>
    public long? PendingLease => Phase is PairPhase.AwaitingHost awaiting ? awaiting.Attempt : null;

    /// <summary>Waits for the wake-up another writer stored; it is the store's already, so nothing is written.</summary>
    private PairStep FollowOtherWriter(DateTimeOffset wakeUp) => new(
        With(new PairPhase.Scheduled(wakeUp)) with { OwnStoredWakeUp = wakeUp },
        new PairDecisions
        {
            WakeAt = wakeUp,
            Log = new PairLog(LogLevel.DebugLevel, "{Pair}: another writer moved the next ping to {WakeUp:O}", Pair, wakeUp),
        });

    private PairStep Unchanged => new(this, default);

    /// <summary>Nothing changes; whoever asked for a ping now is answered with <paramref name="outcome"/>.</summary>
    private PairStep Answering(PingNowOutcome outcome, string detail) =>
        new(this, new PairDecisions { AnswerPingNow = new PingNowAnswered(Pair, outcome, null, detail) });

    /// <summary><paramref name="step"/>, answering the ping asked for now with <paramref name="outcome"/>, if one waits.</summary>
    private PairStep Settled(PairStep step, PingNowOutcome outcome, LastPing? ping = null, string? detail = null) =>
        Demand is null ? step : new PairStep(
            step.Schedule with { Demand = null },
            step.Decisions with { AnswerPingNow = new PingNowAnswered(Pair, outcome, ping, detail) });

    /// <summary>
    /// A ping asked for now keeps its place at the host, or its ping in flight, through whatever else happens to the pair
    /// meanwhile (usage, a stored or handed-over schedule): that becomes the phase the pair resumes when the ask ends.
    /// </summary>
    private PairStep KeepingDemand(PairStep step)
    {
        if (Demand is null || Phase is not (PairPhase.AwaitingHost or PairPhase.Pinging)) return step;
        // Usage during the ping leaves it in flight, with the next wake-up it gave: the cycle goes on from there.
        var after = step.Schedule.Phase != Phase ? step.Schedule.Phase
            : step.Schedule.NextWakeUp is { } next ? new PairPhase.Scheduled(next)
            : Demand.Resume;
        return new PairStep(
            step.Schedule with { Phase = Phase, Demand = new PingDemand(after) },
            step.Decisions with { WakeAt = null, ReleaseLease = null });
    }

    /// <summary>Whether the pair's own cycle goes on after the ping asked for now; if not, it resumes what it was (fresh, off, idle).</summary>
    private bool CycleGoesOn => Demand?.Resume is null or PairPhase.Scheduled or PairPhase.BackingOff or PairPhase.Unconfigured;

    /// <summary>Back in <paramref name="phase"/>, as before the ping asked for now, woken at its wake-up if it has one.</summary>
    private PairStep Resuming(PairPhase phase)
    {
        // The ping that was out when the pair was turned off is this one, and it is over.
        var resumed = With(phase is PairPhase.Off off ? off with { PingInFlight = null } : phase);
        return new PairStep(resumed, new PairDecisions { WakeAt = resumed.NextWakeUp });
    }

    private long? PingInFlight => Phase switch
    {
        PairPhase.Pinging pinging => pinging.Attempt,
        PairPhase.Off off => off.PingInFlight,
        PairPhase.Unregistered unregistered => unregistered.PingInFlight,
        _ => null,
    };

    private ScheduleChange CurrentChange => new ScheduleChange.Upsert(Pair, KeepAliveSeconds, NextWakeUp);

    /// <summary>
    /// The lease to give back when the pair leaves its current phase for <paramref name="next"/>'s: one it waits for, or
    /// that of a ping still out when it is not tracked any more.
    /// </summary>
    private long? LeaseLeftBehind(PairSchedule? next) =>
        PendingLease ?? (next is null || next.PingInFlight == PingInFlight ? null : PingInFlight);

    private PairSchedule With(PairPhase phase) => this with { Phase = phase, LoggedProblem = ReasonOf(phase) is null ? null : LoggedProblem };

    private PairSchedule WithInterval(TimeSpan interval) =>
        Interval == interval ? this : this with { Interval = interval, Offset = PingSpread.OffsetFor(Pair, interval, Settings) };

    /// <summary>The pair's next ping is one interval (and its offset) after <paramref name="activity"/>.</summary>
    private DateTimeOffset After(DateTimeOffset activity) => activity + Interval!.Value + Offset;

    /// <summary>
    /// The next ping one interval after <paramref name="activity"/>. A ping in flight stays in flight: its outcome
    /// schedules by the same rule, and its next wake-up (as written) already counts from the later activity.
    /// </summary>
    private PairStep ScheduleAfter(DateTimeOffset activity) =>
        Phase is PairPhase.Pinging ? WriteThrough() : Enter(new PairPhase.Scheduled(After(activity)));

    /// <summary>In <paramref name="phase"/>, written to the store, woken at its next wake-up.</summary>
    private PairStep Enter(PairPhase phase) => With(phase).WakingAtNext();

    private PairStep TurnOff(string reason) =>
        (this with { Interval = null, Offset = TimeSpan.Zero }).With(new PairPhase.Off(reason, PingInFlight)).WriteThrough()
            .Noting($"is not scheduled: {reason}");

    private PairStep NotPingable(string problem, DateTimeOffset now) =>
        (this with { LastSkip = problem }).Enter(new PairPhase.Unconfigured(After(now), problem)).Noting($"is not pinged: {problem}");

    /// <summary>A ping's outcome after the pair was turned off or unregistered: the host's lease goes back, nothing else.</summary>
    private PairStep OutcomeAfterMovingOn()
    {
        if (PingInFlight is not { } attempt) return Unchanged;
        var phase = Phase switch
        {
            PairPhase.Off off => off with { PingInFlight = null },
            PairPhase.Unregistered unregistered => unregistered with { PingInFlight = null },
            _ => Phase,
        };
        return new PairStep(this with { Phase = phase }, new PairDecisions { ReleaseLease = attempt });
    }

    /// <summary>This schedule, written to the store.</summary>
    private PairStep WriteThrough()
    {
        var written = this with { Mirrored = true, OwnStoredWakeUp = NextWakeUp is { } next ? WakeUpScores.Round(next) : null };
        return new PairStep(written, new PairDecisions { Mirror = written.CurrentChange });
    }

    /// <summary>This schedule, written to the store, and the pair woken at its next wake-up.</summary>
    private PairStep WakingAtNext()
    {
        var step = WriteThrough();
        return step.With(step.Decisions with { WakeAt = NextWakeUp });
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        return TimeSpan.FromTicks((long)Math.Min(Settings.FirstRetryDelay.Ticks * Math.Pow(2, exponent), Interval!.Value.Ticks));
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b is { } other && other > a ? other : a;

    private static PairPhase PhaseFrom(PairStatus predecessor) => (predecessor.State, predecessor.NextWakeUp) switch
    {
        (PairState.IdleExpired, _) or (_, null) => new PairPhase.IdleExpired(predecessor.Reason ?? "the predecessor had no next wake-up"),
        (PairState.BackingOff, { } due) => new PairPhase.BackingOff(due),
        (PairState.Unconfigured, { } due) => new PairPhase.Unconfigured(due, predecessor.Reason ?? "no usable provider"),
        // A lease wait or a ping in flight ended with the predecessor: due again (a ping in flight had moved the
        // wake-up an interval on already).
        (_, { } due) => new PairPhase.Scheduled(due),
    };

    private static PairState StateOf(PairPhase phase) => phase switch
    {
        PairPhase.Fresh or PairPhase.Off => PairState.Off,
        PairPhase.Scheduled => PairState.Scheduled,
        PairPhase.BackingOff => PairState.BackingOff,
        PairPhase.Unconfigured => PairState.Unconfigured,
        PairPhase.IdleExpired => PairState.IdleExpired,
        // Due: the store is read for a moment before the host is asked.
        PairPhase.CheckingStore or PairPhase.AwaitingHost => PairState.AwaitingHost,
        PairPhase.Pinging => PairState.Pinging,
        PairPhase.Unregistered => PairState.Unregistered,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not a pair phase"),
    };

    private static string? ReasonOf(PairPhase phase) => phase switch
    {
        PairPhase.Fresh => "no usage recorded yet",
        PairPhase.Off off => off.Reason,
        PairPhase.Unconfigured unconfigured => unconfigured.Reason,
        PairPhase.IdleExpired idle => idle.Reason,
        PairPhase.Unregistered => "unregistered",
        _ => null,
    };
}

/// <summary>The pair's next schedule and what to do about it.</summary>
public readonly record struct PairStep(PairSchedule Schedule, PairDecisions Decisions)
{
    public PairStep With(PairDecisions decisions) => this with { Decisions = decisions };

    /// <summary>Logs <paramref name="problem"/> as a warning if it is not the problem logged last, and remembers it.</summary>
    internal PairStep Noting(string problem)
    {
        if (problem == Schedule.LoggedProblem) return this;
        var log = new PairLog(LogLevel.WarningLevel, "{Pair} {Problem}", Schedule.Pair, problem);
        return new PairStep(Schedule.WithLoggedProblem(problem), Decisions with { Log = log });
    }
}
