namespace KeepAlive.Actors.Tests.Simulation;

/// <summary>
/// An independent, single-threaded statement of when each pair must be pinged, written from the rules
/// (DESIGN §2 and the foundation issue), not from the actors' code:
/// <list type="bullet">
/// <item>usage sets the host's occupant and moves the pair's next ping to usage + interval;</item>
/// <item>a due pair whose host serves another model is skipped and tried one interval later;</item>
/// <item>a due pair on a host with a real request in flight waits, and is pinged when the host is idle;</item>
/// <item>a ping is due again one interval after it was sent; a failed one is retried after 5 s, doubling, capped at the interval;</item>
/// <item>a pair without a provider is never pinged and is looked at again one interval later;</item>
/// <item>a pair with no usage for max-idle stops until its next usage.</item>
/// </list>
/// Pings are instantaneous here (the fake sender answers at once), and at one instant due pairs go
/// before outside events.
/// </summary>
public sealed class ReferenceModel
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);

    private sealed class PairState
    {
        public TimeSpan? Next;
        public long Version;
        public TimeSpan LastUsage;
        public int Failures;
    }

    private sealed class HostState
    {
        public string? Occupant;
        public bool RequestInFlight;
        public readonly List<SimPair> Queue = new();
    }

    private readonly SimulationScenario _scenario;
    private readonly TimeSpan _maxIdle;
    private readonly Dictionary<SimPair, PairState> _pairs;
    private readonly Dictionary<string, HostState> _hosts;
    private readonly PriorityQueue<(SimPair Pair, long Version), TimeSpan> _dues = new();
    private readonly Dictionary<SimPair, List<TimeSpan>> _pings;

    public ReferenceModel(SimulationScenario scenario, TimeSpan maxIdle)
    {
        _scenario = scenario;
        _maxIdle = maxIdle;
        _pairs = scenario.Pairs.ToDictionary(p => p, _ => new PairState());
        _hosts = scenario.Pairs.Select(p => p.Host).Distinct().ToDictionary(h => h, _ => new HostState());
        _pings = scenario.Pairs.ToDictionary(p => p, _ => new List<TimeSpan>());
    }

    /// <summary>How often each rule applied, so a run can show it exercised them all.</summary>
    public Dictionary<string, int> RuleCounts { get; } = new();

    /// <summary>Every pair's ping times within the scenario's duration.</summary>
    public IReadOnlyDictionary<SimPair, List<TimeSpan>> Run()
    {
        foreach (var outside in _scenario.Events)
        {
            RunDuesUpTo(outside.At);
            Apply(outside);
        }

        RunDuesUpTo(_scenario.Duration);
        return _pings;
    }

    private void RunDuesUpTo(TimeSpan until)
    {
        while (_dues.TryPeek(out var due, out var at) && at <= until)
        {
            _dues.Dequeue();
            var state = _pairs[due.Pair];
            if (due.Version == state.Version && state.Next == at) OnDue(due.Pair, at);
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
                _hosts[started.Host].RequestInFlight = true;
                break;
            case SimEvent.RequestFinished finished:
                OnHostIdle(finished.Host, finished.At);
                break;
        }
    }

    private void OnUsage(SimPair pair, TimeSpan at)
    {
        var host = _hosts[pair.Host];
        host.Occupant = pair.Model;
        foreach (var waiting in host.Queue.Where(w => w.Model != pair.Model).ToList())
        {
            host.Queue.Remove(waiting);
            Schedule(waiting, at + waiting.Interval);
        }

        host.Queue.Remove(pair);
        var state = _pairs[pair];
        state.LastUsage = at;
        Schedule(pair, at + pair.Interval);
    }

    private void OnDue(SimPair pair, TimeSpan at)
    {
        var state = _pairs[pair];
        var host = _hosts[pair.Host];
        if (at - state.LastUsage >= _maxIdle)
        {
            Count("idle-expired");
            state.Next = null;
            return;
        }

        if (!pair.Configured || (host.Occupant is not null && host.Occupant != pair.Model))
        {
            Count(pair.Configured ? "busy-skip" : "unconfigured");
            Schedule(pair, at + pair.Interval);
            return;
        }

        if (host.RequestInFlight)
        {
            state.Next = null;
            Count("waited-for-request");
            host.Queue.Add(pair);
            return;
        }

        Ping(pair, at);
    }

    private void OnHostIdle(string hostName, TimeSpan at)
    {
        var host = _hosts[hostName];
        host.RequestInFlight = false;
        foreach (var waiting in host.Queue.ToList())
        {
            Ping(waiting, at);
        }

        host.Queue.Clear();
    }

    private void Ping(SimPair pair, TimeSpan at)
    {
        var state = _pairs[pair];
        _pings[pair].Add(at);
        if (_scenario.IsDown(pair.Host, at))
        {
            state.Failures++;
            Count("failed-ping");
            var backoff = TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << Math.Min(state.Failures - 1, 30), pair.Interval.Ticks));
            Schedule(pair, at + backoff);
            return;
        }

        state.Failures = 0;
        Schedule(pair, at + pair.Interval);
    }

    private void Count(string rule) => RuleCounts[rule] = RuleCounts.GetValueOrDefault(rule) + 1;

    private void Schedule(SimPair pair, TimeSpan at)
    {
        var state = _pairs[pair];
        state.Next = at;
        state.Version++;
        _dues.Enqueue((pair, state.Version), at);
    }
}
