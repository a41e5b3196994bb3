using System.IO.Hashing;
using System.Text;

namespace KeepAlive.Actors.Tests.Simulation;

/// <summary>
/// An independent, single-threaded statement of when each pair must be pinged, written from the documented rules
/// (docs/ARCHITECTURE.md, "A pair's life" and "The per-pair offset"; the settings' documentation), not from the actors'
/// code, with the library's default settings:
/// <list type="bullet">
/// <item>usage makes the model its host's occupant and moves the pair's next ping to usage + interval;</item>
/// <item>a host is one host with or without a trailing <c>/</c>, a model one model with or without a leading
/// <c>model:</c>: two spellings are two pairs, with one host's occupancy, queue and lease;</item>
/// <item>every next ping also gets the pair's offset: xxHash32 of <c>model|host</c> / 2^32 × min(3 % of the
/// interval, 10 s), in whole milliseconds rounded down;</item>
/// <item>a due pair with no usage for max-idle stops until its next usage; one without a provider is looked at
/// again one interval later;</item>
/// <item>a due pair whose host another model occupies is skipped and tried one interval later;</item>
/// <item>otherwise it waits in its host's queue; the host grants its one ping lease, first come first served, when
/// no real request runs on it and no other ping is in flight;</item>
/// <item>a waiting pair with no answer asks again every 5 s, and keeps its place in the queue;</item>
/// <item>a model that starts to occupy the host turns the waiting pairs of other models away as busy (tried one
/// interval later); a waiting pair's own usage takes it out of the queue;</item>
/// <item>a ping takes time (the scenario's latency) and holds the host until its outcome;</item>
/// <item>success: next ping one interval after the ping's end (no usage can come after it); failure: 5 s after the
/// outcome, doubling per consecutive failure, capped at the interval; but a failure after usage during the ping
/// waits a full interval after that usage.</item>
/// </list>
/// At one instant, the service's own timers go before outside events.
/// </summary>
public sealed class ReferenceModel
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(5);
    private const double SpreadFraction = 0.03;
    private static readonly TimeSpan MaxSpread = TimeSpan.FromSeconds(10);

    private enum Phase
    {
        Idle,
        Waiting,
        Pinging,
    }

    private sealed class PairState
    {
        public Phase Phase;

        /// <summary>Bumped by every change of plan: a due time or an ask-again planned before it is void.</summary>
        public long Plan;

        public TimeSpan? LastUsage;
        public int Failures;
        public TimeSpan PingStart;
        public bool PingFails;
    }

    private sealed class HostState
    {
        public string? Occupant;
        public bool RequestRuns;
        public SimPair? Pinging;
        public readonly List<SimPair> Queue = new();

        public bool Idle => !RequestRuns && Pinging is null;
    }

    /// <summary>Something the service does by itself at a planned time.</summary>
    private abstract record Planned(SimPair Pair, long Plan)
    {
        public sealed record Due(SimPair Pair, long Plan) : Planned(Pair, Plan);

        public sealed record AskAgain(SimPair Pair, long Plan) : Planned(Pair, Plan);

        public sealed record Outcome(SimPair Pair) : Planned(Pair, 0);
    }

    private readonly SimulationScenario _scenario;
    private readonly TimeSpan _maxIdle;
    private readonly Dictionary<SimPair, PairState> _pairs;
    private readonly Dictionary<string, HostState> _hosts;
    private readonly PriorityQueue<Planned, (TimeSpan At, long Order)> _agenda = new();
    private readonly Dictionary<SimPair, List<TimeSpan>> _pings;
    private long _planned;

    public ReferenceModel(SimulationScenario scenario, TimeSpan maxIdle)
    {
        _scenario = scenario;
        _maxIdle = maxIdle;
        _pairs = scenario.Pairs.ToDictionary(p => p, _ => new PairState());
        _hosts = scenario.Pairs.Select(p => SameHost(p.Host)).Distinct().ToDictionary(h => h, _ => new HostState());
        _pings = scenario.Pairs.ToDictionary(p => p, _ => new List<TimeSpan>());
    }

    /// <summary>How often each rule applied, so a run can show it exercised them all.</summary>
    public Dictionary<string, int> RuleCounts { get; } = new();

    /// <summary>Every pair's ping times within the scenario's duration.</summary>
    public IReadOnlyDictionary<SimPair, List<TimeSpan>> Run()
    {
        foreach (var outside in _scenario.Events)
        {
            RunAgendaUpTo(outside.At);
            Apply(outside);
        }

        RunAgendaUpTo(_scenario.Duration);
        return _pings;
    }

    private void RunAgendaUpTo(TimeSpan until)
    {
        while (_agenda.TryPeek(out var planned, out var when) && when.At <= until)
        {
            _agenda.Dequeue();
            var state = _pairs[planned.Pair];
            switch (planned)
            {
                case Planned.Due due when due.Plan == state.Plan && state.Phase == Phase.Idle:
                    OnDue(due.Pair, when.At);
                    break;
                case Planned.AskAgain ask when ask.Plan == state.Plan && state.Phase == Phase.Waiting:
                    OnAskAgain(ask.Pair, when.At);
                    break;
                case Planned.Outcome outcome:
                    OnOutcome(outcome.Pair, when.At);
                    break;
            }
        }
    }

    private void Apply(SimEvent outside)
    {
        switch (outside)
        {
            case SimEvent.Usage usage:
                OnUsage(usage.Pair, usage.At);
                break;
            case SimEvent.RequestStarted started:
                _hosts[SameHost(started.Host)].RequestRuns = true;
                break;
            case SimEvent.RequestFinished finished:
                var host = _hosts[SameHost(finished.Host)];
                host.RequestRuns = false;
                GrantNext(host, finished.At);
                break;
        }
    }

    private void OnUsage(SimPair pair, TimeSpan at)
    {
        var host = HostOf(pair);
        host.Occupant = SameModel(pair.Model);
        foreach (var turnedAway in host.Queue.Where(waiting => SameModel(waiting.Model) != host.Occupant).ToList())
        {
            host.Queue.Remove(turnedAway);
            _pairs[turnedAway].Phase = Phase.Idle;
            Count("busy-skip-while-waiting");
            PlanDue(turnedAway, at + turnedAway.Interval);
        }

        var state = _pairs[pair];
        state.LastUsage = at;
        if (state.Phase == Phase.Waiting)
        {
            host.Queue.Remove(pair);
            state.Phase = Phase.Idle;
        }

        if (state.Phase == Phase.Pinging) Count("usage-during-ping");
        PlanDue(pair, at + pair.Interval);
    }

    private void OnDue(SimPair pair, TimeSpan at)
    {
        var state = _pairs[pair];
        var host = HostOf(pair);
        if (at - state.LastUsage >= _maxIdle)
        {
            Count("idle-expired");
            return;
        }

        if (!pair.Configured)
        {
            Count("unconfigured");
            PlanDue(pair, at + pair.Interval);
            return;
        }

        if (host.Occupant is not null && host.Occupant != SameModel(pair.Model))
        {
            Count("busy-skip");
            PlanDue(pair, at + pair.Interval);
            return;
        }

        state.Phase = Phase.Waiting;
        host.Queue.Add(pair);
        Plan(new Planned.AskAgain(pair, ++state.Plan), at + AskAgainAfter);
        if (!host.Idle) Count(host.RequestRuns ? "waited-for-request" : "waited-for-another-ping");
        GrantNext(host, at);
    }

    private void OnAskAgain(SimPair pair, TimeSpan at)
    {
        var host = HostOf(pair);
        Count("asked-again");
        Plan(new Planned.AskAgain(pair, _pairs[pair].Plan), at + AskAgainAfter);
        GrantNext(host, at);
    }

    private void GrantNext(HostState host, TimeSpan at)
    {
        if (!host.Idle || host.Queue.Count == 0) return;
        var pair = host.Queue[0];
        host.Queue.RemoveAt(0);
        host.Pinging = pair;

        var state = _pairs[pair];
        state.Phase = Phase.Pinging;
        state.Plan++;
        state.PingStart = at;
        state.PingFails = _scenario.IsDown(pair.Host, at);
        _pings[pair].Add(at);
        Plan(new Planned.Outcome(pair), at + _scenario.LatencyOf(pair, at));
    }

    private void OnOutcome(SimPair pair, TimeSpan at)
    {
        var state = _pairs[pair];
        var host = HostOf(pair);
        host.Pinging = null;
        state.Phase = Phase.Idle;
        if (!state.PingFails)
        {
            state.Failures = 0;
            PlanDue(pair, at + pair.Interval);
        }
        else if (state.LastUsage > state.PingStart)
        {
            state.Failures++;
            Count("failed-after-usage-during-ping");
            PlanDue(pair, state.LastUsage.Value + pair.Interval);
        }
        else
        {
            state.Failures++;
            Count("failed-ping");
            PlanDue(pair, at + Backoff(pair.Interval, state.Failures));
        }

        GrantNext(host, at);
    }

    private HostState HostOf(SimPair pair) => _hosts[SameHost(pair.Host)];

    private static string SameHost(string host) => host.Trim().TrimEnd('/');

    private static string SameModel(string model)
    {
        var trimmed = model.Trim();
        return trimmed.StartsWith("model:", StringComparison.Ordinal) ? trimmed["model:".Length..].Trim() : trimmed;
    }

    private static TimeSpan Backoff(TimeSpan interval, int failures)
    {
        var wait = FirstRetry;
        for (var failure = 1; failure < failures && wait < interval; failure++) wait += wait;
        return wait < interval ? wait : interval;
    }

    /// <summary>The pair's next ping: <paramref name="at"/> plus the pair's offset.</summary>
    private void PlanDue(SimPair pair, TimeSpan at) => Plan(new Planned.Due(pair, ++_pairs[pair].Plan), at + Offset(pair));

    private void Plan(Planned planned, TimeSpan at) => _agenda.Enqueue(planned, (at, _planned++));

    private static TimeSpan Offset(SimPair pair)
    {
        var windowMs = Math.Min(pair.Interval.TotalMilliseconds * SpreadFraction, MaxSpread.TotalMilliseconds);
        var hash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes($"{pair.Model}|{pair.Host}"));
        return TimeSpan.FromMilliseconds(Math.Floor(windowMs * hash / 4294967296.0));
    }

    private void Count(string rule) => RuleCounts[rule] = RuleCounts.GetValueOrDefault(rule) + 1;
}
