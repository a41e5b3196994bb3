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
/// A random day of router traffic: pairs spread over hosts (several models per host, so occupancy
/// matters), random usage, random non-overlapping busy periods per host (each shorter than the gate's
/// stale-request timeout), and a few hosts that are down for a while so pings fail and back off.
/// External event times are distinct milliseconds, so their order is never a tie.
/// </summary>
public sealed class SimulationScenario
{
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

        Pairs = Enumerable.Range(0, pairCount).Select(i =>
        {
            var host = $"http://sim-host-{i % hostCount}:8000";
            var model = $"model-{i / hostCount}";
            var seconds = random.NextInt64(30, 7201);
            return new SimPair(i, model, host, TimeSpan.FromSeconds(seconds), Configured: random.NextDouble() > 0.02);
        }).ToList();

        var events = new List<SimEvent>();
        foreach (var pair in Pairs)
        {
            var usages = random.Next(1, 25);
            for (var u = 0; u < usages; u++) events.Add(new SimEvent.Usage(DistinctTime(TimeSpan.Zero, duration), pair));
        }

        foreach (var host in Pairs.Select(p => p.Host).Distinct())
        {
            var cursor = TimeSpan.FromMinutes(random.Next(1, 120));
            while (cursor < duration - TimeSpan.FromMinutes(20) && random.NextDouble() > 0.1)
            {
                var start = DistinctTime(cursor, cursor + TimeSpan.FromSeconds(1));
                var end = DistinctTime(start + TimeSpan.FromSeconds(1), start + TimeSpan.FromMinutes(10));
                events.Add(new SimEvent.RequestStarted(start, host));
                events.Add(new SimEvent.RequestFinished(end, host));
                cursor = end + TimeSpan.FromMinutes(random.Next(1, 180));
            }

            if (random.NextDouble() < 0.1)
            {
                var from = TimeSpan.FromMinutes(random.Next(0, (int)duration.TotalMinutes - 60));
                DownWindows.Add(new DownWindow(host, from, from + TimeSpan.FromMinutes(random.Next(1, 45))));
            }
        }

        Events = events.OrderBy(e => e.At).ToList();
    }

    public TimeSpan Duration { get; }

    public IReadOnlyList<SimPair> Pairs { get; }

    public IReadOnlyList<SimEvent> Events { get; }

    public List<DownWindow> DownWindows { get; } = new();

    public bool IsDown(string host, TimeSpan at) =>
        DownWindows.Any(w => w.Host == host && at >= w.From && at < w.Until);
}
