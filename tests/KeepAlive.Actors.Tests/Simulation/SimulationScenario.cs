namespace KeepAlive.Actors.Tests.Simulation;

/// <summary>One pair of the simulation: its host, model and fixed keep-alive interval.</summary>
public sealed record SimPair(int Index, string Model, string Host, TimeSpan Interval, bool Configured)
{
    public string KeepAlive => $"{(long)Interval.TotalSeconds}s";
}

/// <summary>Something that happens to the service from outside, at a time since the start.</summary>
public abstract record SimEvent(TimeSpan At)
{
    public sealed record Usage(TimeSpan At, SimPair Pair) : SimEvent(At);

    public sealed record RequestStarted(TimeSpan At, string Host) : SimEvent(At);

    public sealed record RequestFinished(TimeSpan At, string Host) : SimEvent(At);
}

/// <summary>A window during which every ping to a host fails (the backend is down).</summary>
public sealed record DownWindow(string Host, TimeSpan From, TimeSpan Until);

/// <summary>
/// A random day of router traffic: pairs spread over hosts (several models per host, so occupancy matters), usage
/// in bursts, random non-overlapping busy periods per host (each shorter than the gate's stale-request timeout),
/// hosts that are down for a while so pings fail and back off, and pings that take time: most hosts answer within a
/// few hundred milliseconds, some take seconds, and a host that is down answers only after 10 to 25 s, so usage
/// arrives while a ping is in flight. Some pairs have a twin: the same model on the same host as a router spells it
/// differently (a trailing <c>/</c>, a <c>model:</c> prefix), so two pairs share one host's occupancy and its one
/// ping lease and wait for each other's ping. External event times are distinct milliseconds, so their order is
/// never a tie.
/// </summary>
public sealed class SimulationScenario
{
    private readonly Dictionary<string, TimeSpan> _typicalLatency = new();

    public SimulationScenario(int seed, int pairCount, TimeSpan duration)
    {
        var random = new Random(seed);
        Duration = duration;
        var hostCount = pairCount / 4;
        var usedTimes = new HashSet<long>();

        TimeSpan DistinctTime(TimeSpan from, TimeSpan until)
        {
            while (true)
            {
                var ms = from.TotalMilliseconds + random.NextDouble() * (until - from).TotalMilliseconds;
                var time = TimeSpan.FromMilliseconds(Math.Floor(ms));
                if (usedTimes.Add((long)time.TotalMilliseconds)) return time;
            }
        }

        var pairs = Enumerable.Range(0, pairCount).Select(i =>
        {
            var host = $"http://sim-host-{i % hostCount}:8000";
            var model = $"model-{i / hostCount}";
            var seconds = random.NextInt64(30, 7201);
            return new SimPair(i, model, host, TimeSpan.FromSeconds(seconds), Configured: random.NextDouble() > 0.02);
        }).ToList();
        var twins = new Dictionary<SimPair, SimPair>();
        foreach (var original in pairs.Where(p => p.Configured).Take(pairCount / 5).ToList())
        {
            var (model, host) = original.Index % 2 == 0 ? (original.Model, original.Host + "/") : ("model: " + original.Model, original.Host);
            twins[original] = new SimPair(pairs.Count, model, host, original.Interval, Configured: true);
            pairs.Add(twins[original]);
        }
        Pairs = pairs;

        var events = new List<SimEvent>();
        foreach (var pair in Pairs.Where(p => !twins.ContainsValue(p)))
        {
            var bursts = random.Next(1, 40);
            for (var b = 0; b < bursts; b++)
            {
                var at = DistinctTime(TimeSpan.Zero, duration);
                for (var u = random.Next(1, 5); u > 0 && at < duration; u--)
                {
                    events.Add(new SimEvent.Usage(at, pair));
                    // A second router that spells the pair its own way uses it too, a moment later.
                    if (twins.TryGetValue(pair, out var twin)) events.Add(new SimEvent.Usage(DistinctTime(at, at + TimeSpan.FromSeconds(3)), twin));
                    at = DistinctTime(at + TimeSpan.FromSeconds(1), at + TimeSpan.FromSeconds(90));
                }
            }
        }

        foreach (var host in Pairs.Select(p => p.Host).Where(h => !h.EndsWith('/')).Distinct())
        {
            // Below every pair's interval (30 s at least), so a ping never outlasts its pair's next due time.
            _typicalLatency[host] = random.NextDouble() < 0.2
                ? TimeSpan.FromMilliseconds(random.Next(2_000, 16_000))
                : TimeSpan.FromMilliseconds(random.Next(20, 400));

            var cursor = TimeSpan.FromMinutes(random.Next(1, 120));
            while (cursor < duration - TimeSpan.FromMinutes(20) && random.NextDouble() > 0.1)
            {
                var start = DistinctTime(cursor, cursor + TimeSpan.FromSeconds(1));
                var end = DistinctTime(start + TimeSpan.FromSeconds(1), start + TimeSpan.FromMinutes(10));
                events.Add(new SimEvent.RequestStarted(start, host));
                events.Add(new SimEvent.RequestFinished(end, host));
                cursor = end + TimeSpan.FromMinutes(random.Next(1, 180));
            }

            if (random.NextDouble() < 0.3)
            {
                var from = TimeSpan.FromMinutes(random.Next(0, (int)duration.TotalMinutes - 60));
                DownWindows.Add(new DownWindow(host, from, from + TimeSpan.FromMinutes(random.Next(30, 360))));
            }
        }

        Events = events.OrderBy(e => e.At).ToList();
    }

    public TimeSpan Duration { get; }

    public IReadOnlyList<SimPair> Pairs { get; }

    public IReadOnlyList<SimEvent> Events { get; }

    public List<DownWindow> DownWindows { get; } = new();

    public bool IsDown(string host, TimeSpan at) =>
        DownWindows.Any(w => w.Host == host.TrimEnd('/') && at >= w.From && at < w.Until);

    /// <summary>The busy periods and down windows of a host are its, however a pair spells it.</summary>
    private TimeSpan TypicalLatency(string host) => _typicalLatency[host.TrimEnd('/')];

    /// <summary>
    /// How long the ping of <paramref name="pair"/> sent at <paramref name="start"/> takes: half to one and a half times
    /// its host's typical latency, 10 to 25 s when the host is down, and a sub-millisecond part so outcomes do not fall
    /// on the whole milliseconds of outside events. Always below the shortest interval (30 s). A function of the ping
    /// alone, so every run of the scenario gets the same latencies.
    /// </summary>
    public TimeSpan LatencyOf(SimPair pair, TimeSpan start)
    {
        var mix = Mix(((ulong)pair.Index << 40) ^ (ulong)start.Ticks);
        var fraction = 1 + (long)(mix >> 44) % TimeSpan.TicksPerMillisecond;
        if (IsDown(pair.Host, start)) return TimeSpan.FromSeconds(10) + TimeSpan.FromTicks((long)(mix % (15 * TimeSpan.TicksPerSecond)) + fraction);
        var typical = TypicalLatency(pair.Host).Ticks;
        return TimeSpan.FromTicks(typical / 2 + (long)(mix % (ulong)typical) + fraction);
    }

    // SplitMix64's finaliser: spreads nearby inputs over all bits.
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
