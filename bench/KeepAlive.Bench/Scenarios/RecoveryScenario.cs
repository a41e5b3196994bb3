using KeepAlive.Bench.Infrastructure;
using static System.FormattableString;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// The recovery goal of docs/BENCHMARKS.md: a host process starts on a Redis that holds 100,000 pairs (written as another program would, raw
/// HSET/ZADD/SADD), and the time from the process's start until every pair's actor is alive (the host's
/// <c>keepalive_pairs_active</c>) and armed (the API lists it with a next wake-up).
/// </summary>
public static class RecoveryScenario
{
    public const string Name = "recovery";
    private const int FullSize = 100_000;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(250);

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.PairsOr(FullSize);
        Report.Header($"{Name}: {count:N0} pairs stored in Redis, a host starts; host {options.Host}");
        await using var redis = await RedisServer.StartAsync();
        await using var stored = await StoredSchedule.ConnectAsync(redis);
        var pairs = Pairs.Make(count, hosts: 1000);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Wake-ups 10-20 min ahead: none falls due within the bound.
        var written = await stored.WriteAsync(pairs, keepAliveSeconds: 600, pair => now + 600 + Math.Abs(pair.EntityId.GetHashCode()) % 600);
        Report.Line("stored schedule written", $"{count:N0} pairs in {written.TotalSeconds:0.0} s (pipelined HSET/ZADD/SADD)");

        // Builds with remember-entities sweep one interval ahead at start: 30 min covers every stored wake-up. Builds
        // with the sweeper hand every stored pair its schedule when it starts, whatever the interval.
        await using var host = await options.Host.StartAsync(["--redis", redis.ConnectionString, "--sweep-interval", "30m"]);
        await host.WaitUntilReadyAsync();
        var up = host.Started.Elapsed;
        using var readings = new HostReadings(host);

        var alive = await readings.WaitForMetricAsync(HostReadings.ActivePairs, count, Bound - host.Started.Elapsed, PollEvery);
        var started = host.Started.Elapsed;

        // Armed: the pair has a next wake-up in memory. A listing asks every pair, so it cannot say when each was armed:
        // the first listing after all were alive that finds every pair armed bounds the moment from above (it ended
        // then), the moment all were alive bounds it from below. None is taken when the bound ran out before.
        Listing? listing = null;
        if (alive >= count)
        {
            listing = await readings.ListAsync();
            while (listing.Armed < count && host.Started.Elapsed < Bound)
            {
                await Task.Delay(PollEvery);
                listing = await readings.ListAsync();
            }
        }
        var confirmed = host.Started.Elapsed;

        var armed = listing is null
            ? "not listed: not every pair was alive"
            : Reached(listing.Armed, count, confirmed) + Invariant($" ({listing.Armed:N0} of {listing.Listed:N0} listed; the last listing took {listing.Took.TotalSeconds:0.0} s)");
        Report.Line("host ready (/readyz: an Up cluster member)", $"{up.TotalSeconds:0.00} s after the process started");
        Report.Line("pair actors alive (keepalive_pairs_active)", $"{alive:N0} after {started.TotalSeconds:0.00} s");
        Report.Line("pairs armed (listed with a next wake-up)", $"{armed}");
        Report.Line("host log lines at warning or above", $"{readings.WarningsSummary()}");
        var build = options.Host.Label;
        Report.Figure(Name, build, "host ready (an Up cluster member), from the process's start", "—", $"{up.TotalSeconds:0.0} s");
        Report.Figure(Name, build, $"{count:N0} stored pairs alive, from the process's start", "≤ 10 s (armed)", $"{Reached(alive, count, started)}");
        Report.Figure(Name, build, $"{count:N0} stored pairs armed, confirmed by a listing that ended", "≤ 10 s",
            $"{(listing is null ? armed : Reached(listing.Armed, count, confirmed))}");
        Report.Figure(Name, build, $"listing {count:N0} pairs (GET /api/providers) took", "—", $"{(listing is null ? "—" : Invariant($"{listing.Took.TotalSeconds:0.0} s"))}");
    }

    private static string Reached(long reached, int count, TimeSpan after) => reached >= count
        ? Invariant($"{after.TotalSeconds:0.0} s")
        : Invariant($"not reached: {reached:N0} after {after.TotalSeconds:0} s");
}
