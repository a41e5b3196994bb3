using Akka.Actor;
using Akka.Event;
using KeepAlive.Actors.Pairs;
using static KeepAlive.Actors.Hosts.HostGateProtocol;

namespace KeepAlive.Actors.Hosts;

/// <summary>
/// One per host (sharded by host). Knows which model occupies the host and how many real requests run
/// on it, and hands out at most one ping lease at a time so warm-ups on one GPU never overlap.
/// </summary>
public sealed class HostGateActor : ReceiveActor, IWithTimers
{
    private sealed record Waiter(PairKey Pair, long Attempt, IActorRef ReplyTo);

    private sealed record Lease(PairKey Pair, long Attempt);

    /// <summary>The second opinion on a lease about to be granted (<see cref="IHostFreeCheck"/>) came back, or could not be had.</summary>
    private sealed record Checked(Waiter Waiter, HostCheck Check, string? Failure = null);

    private sealed class LeaseExpired
    {
        public static readonly LeaseExpired Instance = new();
        private LeaseExpired() { }
    }

    private sealed class StaleRequestsExpired
    {
        public static readonly StaleRequestsExpired Instance = new();
        private StaleRequestsExpired() { }
    }

    private readonly string _host;
    private readonly KeepAliveSettings _settings;
    private readonly IHostFreeCheck? _freeCheck;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<Waiter> _waiting = new();
    private string? _occupant;
    private int _requestsInFlight;
    private Lease? _lease;
    private bool _checkFailureLogged;

    public HostGateActor(string host, KeepAliveSettings settings, IHostFreeCheck? freeCheck = null)
    {
        _host = host;
        _settings = settings;
        _freeCheck = freeCheck;

        Receive<HostUsed>(used => OnHostUsed(PairKey.NormalizeModel(used.Model)));
        Receive<RequestStarted>(started =>
        {
            if (started.Confirm) Sender.Tell(Confirmed.Instance);
            OnRequestStarted();
        });
        Receive<RequestFinished>(finished =>
        {
            if (finished.Confirm) Sender.Tell(Confirmed.Instance);
            OnRequestFinished();
        });
        Receive<RequestPingLease>(request => OnLeaseRequested(new Waiter(request.Pair, request.Attempt, Sender)));
        Receive<ReleasePingLease>(release => OnLeaseReleased(release.Pair, release.Attempt));
        Receive<LeaseExpired>(_ => OnLeaseExpired());
        Receive<StaleRequestsExpired>(_ => OnStaleRequests());
        Receive<Checked>(OnChecked);
        Receive<GetHostStatus>(_ =>
            Sender.Tell(new HostStatus(_host, _occupant, _requestsInFlight, _lease?.Pair, _waiting.Count)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string host, KeepAliveSettings settings, IHostFreeCheck? freeCheck = null) =>
        Akka.Actor.Props.Create(() => new HostGateActor(host, settings, freeCheck));

    private bool IsFreeFor(PairKey pair) => _occupant is null || _occupant == PairKey.NormalizeModel(pair.Model);

    private bool HostIsIdle => _requestsInFlight == 0 && _lease is null;

    private void OnHostUsed(string model)
    {
        if (_occupant == model) return;
        _log.Debug("[keep-alive] host {Host} now serves {Model}", _host, model);
        _occupant = model;
        // Waiters for other models would evict the new occupant once granted: answer them now.
        foreach (var waiter in _waiting.Where(w => !IsFreeFor(w.Pair)).ToList())
        {
            _waiting.Remove(waiter);
            ReplyBusy(waiter);
        }
    }

    private void OnRequestStarted()
    {
        _requestsInFlight++;
        Timers.StartSingleTimer(StaleRequestsExpired.Instance, StaleRequestsExpired.Instance, _settings.StaleRequestTimeout);
    }

    private void OnRequestFinished()
    {
        if (_requestsInFlight == 0) return;
        _requestsInFlight--;
        if (_requestsInFlight == 0) Timers.Cancel(StaleRequestsExpired.Instance);
        else Timers.StartSingleTimer(StaleRequestsExpired.Instance, StaleRequestsExpired.Instance, _settings.StaleRequestTimeout);
        GrantWaiting();
    }

    private void OnStaleRequests()
    {
        _log.Warning("[keep-alive] host {Host}: {Requests} request(s) started but never finished within {Timeout}; treating the host as idle",
            _host, _requestsInFlight, _settings.StaleRequestTimeout);
        _requestsInFlight = 0;
        GrantWaiting();
    }

    private void OnLeaseRequested(Waiter waiter)
    {
        // A pair that asks again while it waits (its answer may have been lost) keeps its place in the queue.
        var queuedAt = _waiting.FindIndex(w => w.Pair == waiter.Pair);
        if (queuedAt >= 0)
        {
            _waiting[queuedAt] = waiter;
            GrantWaiting();
            return;
        }

        // A pair asks only when it holds no lease. A lease still held in its name belongs to an incarnation
        // that is gone (handed off or crashed with the ping's outcome): waiting for its expiry would delay
        // the pair's next ping by the ping timeout.
        if (_lease is { } held && held.Pair == waiter.Pair)
        {
            _lease = null;
            Timers.Cancel(LeaseExpired.Instance);
        }

        if (!IsFreeFor(waiter.Pair))
        {
            ReplyBusy(waiter);
            return;
        }

        _waiting.Add(waiter);
        if (_requestsInFlight > 0) KeepAliveMetrics.PingDeferredByRequestInFlight();
        GrantWaiting();
    }

    private void OnLeaseReleased(PairKey pair, long attempt)
    {
        _waiting.RemoveAll(w => w.Pair == pair && w.Attempt == attempt);
        if (_lease is null || _lease.Pair != pair || _lease.Attempt != attempt) return;
        _lease = null;
        Timers.Cancel(LeaseExpired.Instance);
        GrantWaiting();
    }

    private void OnLeaseExpired()
    {
        if (_lease is null) return;
        _log.Warning("[keep-alive] host {Host}: the ping of {Pair} did not report back within {Timeout}; lease released",
            _host, _lease.Pair, _settings.PingTimeout);
        _lease = null;
        GrantWaiting();
    }

    private void GrantWaiting()
    {
        if (!HostIsIdle || _waiting.Count == 0) return;
        var next = _waiting[0];
        _waiting.RemoveAt(0);
        _lease = new Lease(next.Pair, next.Attempt);
        Timers.StartSingleTimer(LeaseExpired.Instance, LeaseExpired.Instance, _settings.PingOutcomeDeadline);
        if (_freeCheck is null)
        {
            next.ReplyTo.Tell(new PingLeaseGranted(next.Pair, next.Attempt));
            return;
        }

        // The lease stays held while the check runs, so nothing else is granted meanwhile.
        var self = Self;
        _freeCheck.CheckAsync(next.Pair.Host, next.Pair.Model).PipeTo(self,
            success: check => new Checked(next, check),
            // Unreadable, the check must not stop warm-ups: the gate's own view decides, as it does without a check.
            failure: ex => new Checked(next, HostCheck.IsFree, $"{ex.GetType().Name}: {ex.Message}"));
    }

    private void OnChecked(Checked result)
    {
        var (waiter, check) = (result.Waiter, result.Check);
        // Released or expired meanwhile (the pair moved on): nothing to answer.
        if (_lease is null || _lease.Pair != waiter.Pair || _lease.Attempt != waiter.Attempt) return;
        // Once per outage, not once per ping.
        if (result.Failure is not null && !_checkFailureLogged)
            _log.Warning("[keep-alive] host {Host}: the router's occupancy cannot be read, pings go by the service's own view: {Failure}",
                _host, result.Failure);
        _checkFailureLogged = result.Failure is not null;
        if (check.Free)
        {
            waiter.ReplyTo.Tell(new PingLeaseGranted(waiter.Pair, waiter.Attempt));
            return;
        }

        _lease = null;
        Timers.Cancel(LeaseExpired.Instance);
        waiter.ReplyTo.Tell(new HostBusy(waiter.Pair, waiter.Attempt, check.Occupant ?? "another model"));
        GrantWaiting();
    }

    private void ReplyBusy(Waiter waiter) =>
        waiter.ReplyTo.Tell(new HostBusy(waiter.Pair, waiter.Attempt, _occupant!));
}
