using KeepAlive.Bench.Infrastructure;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// The failover goal of docs/BENCHMARKS.md: three real host processes on the production defaults (as the README starts them), one
/// redis-server, 60 pairs at keep_alive 3 s on a fake model server. The oldest node (shard coordinator and, in builds
/// that have one, the schedule sweeper) is killed with SIGKILL; measured: the time from the kill until the last of its
/// pairs pinged again, and pairs pinged twice within half an interval. Repeated <c>--runs</c> times, each on a fresh
/// cluster.
/// </summary>
public static class FailoverScenario
{
    public const string Name = "failover";
    private const int PairCount = 60;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(3);

    // Builds with remember-entities took about a minute: wait long enough to measure them, not only to fail them.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public static async Task RunAsync(BenchOptions options)
    {
        Report.Header($"{Name}: 3 nodes, {PairCount} pairs at {KeepAlive.TotalSeconds:0} s, SIGKILL of the oldest, {options.Runs} run(s); host {options.Host}");
        var failovers = new List<double>();
        var doubledPings = 0;
        for (var run = 1; run <= options.Runs; run++)
        {
            var (failover, doubled) = await RunOnceAsync(options.Host, run);
            if (failover is { } seconds) failovers.Add(seconds);
            doubledPings += doubled;
        }

        var build = options.Host.Label;
        var missed = options.Runs - failovers.Count;
        Report.Figure(Name, build, "SIGKILL of the oldest node to its last pair's ping, min / median / max", "≤ 30 s",
            $"{Spread(failovers)}{(missed > 0 ? $" ({missed} run(s) not within {Patience.TotalMinutes:0} min)" : "")} over {options.Runs} run(s)");
        Report.Figure(Name, build, "pings less than half an interval after the pair's previous one", "0", $"{doubledPings} over {options.Runs} run(s)");
    }

    /// <returns>Seconds from the kill to the last lost pair's ping (null: not within the patience), and the doubled pings.</returns>
    private static async Task<(double? Failover, int Doubled)> RunOnceAsync(HostBuild build, int run)
    {
        await using var cluster = await HostCluster.StartAsync(nodes: 3, PairCount, KeepAlive, build.Executable);
        var (oldest, second) = (cluster.Nodes[0], cluster.Nodes[1]);
        var steady = await cluster.RegisterAndSettleAsync(second, Patience);
        var lost = await cluster.PairsOnAsync(oldest, via: second);
        if (lost.Count == 0)
        {
            Report.Line($"run {run}", $"no pair lived on the oldest node: nothing to measure");
            return (null, 0);
        }

        var crashedAt = DateTimeOffset.UtcNow;
        oldest.Crash();
        double? failover = null;
        try
        {
            failover = (await cluster.WaitUntilPingedAfterAsync(lost, crashedAt, Patience)).TotalSeconds;
        }
        catch (TimeoutException)
        {
            // Reported as not reached below; the doubled pings still count.
        }

        // Two more intervals on the survivors, so a late second pinger shows too.
        try
        {
            await cluster.WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow + KeepAlive * 2, Patience);
        }
        catch (TimeoutException ex)
        {
            Report.Line($"run {run} silent pairs", $"{ex.Message}");
        }

        var doubled = cluster.PingedTwiceWithinHalfAnInterval(steady);
        Report.Line($"run {run}", $"{lost.Count} of {PairCount} pairs on the killed node; last of them pinged again {(failover is { } s ? $"{s:0.0} s" : $"not within {Patience.TotalMinutes:0} min")} after the kill; {doubled.Pings.Count} doubled ping(s)");
        if (doubled.Pings.Count > 0) Report.Line($"run {run} doubled", $"{doubled}");
        return (failover, doubled.Pings.Count);
    }

    private static string Spread(List<double> seconds)
    {
        if (seconds.Count == 0) return "none";
        var sorted = seconds.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return FormattableString.Invariant($"{sorted[0]:0.0} / {median:0.0} / {sorted[^1]:0.0} s");
    }
}
