using System.Diagnostics;
using KeepAlive.Bench.Infrastructure;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// The burst goal of docs/BENCHMARKS.md (202 means kept): new pairs posted to the real host's <c>POST /api/usage/batch</c>, many batches
/// at a time, as fast as the host takes them (a 503 is sent again after its Retry-After), with a real redis-server;
/// then how many pairs the sorted set holds and the API lists with a next wake-up, right after the last 202 and 30 s
/// and 60 s later. (A pair whose usage was lost can still be listed, without a wake-up, when its actor was restarted.)
/// </summary>
public static class BurstScenario
{
    public const string Name = "burst";
    private const int FullSize = 100_000;
    private static readonly TimeSpan[] Checkpoints = [TimeSpan.Zero, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)];
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.PairsOr(FullSize);
        Report.Header($"{Name}: {count:N0} new pairs, {options.Concurrency} batches of {options.Batch:N0} at a time; host {options.Host}");
        await using var redis = await RedisServer.StartAsync();
        await using var stored = await StoredSchedule.ConnectAsync(redis);
        await using var host = await options.Host.StartAsync(["--redis", redis.ConnectionString]);
        await host.WaitUntilReadyAsync();
        using var readings = new HostReadings(host);

        // keep_alive 1h: none falls due during the run; and no models-config names them, so none would be pinged.
        var usages = Pairs.Make(count, hosts: 1000).Select(pair => new Usage(pair.Model, pair.Host, "1h")).ToList();
        var burst = await UsageBurst.PostAsync(readings.Http, usages, options.Batch, options.Concurrency, Bound);
        var accepted = Stopwatch.StartNew();
        Report.Line("accepted", $"{count:N0} pairs in {burst.Batches:N0} batches within {burst.Elapsed.TotalSeconds:0.0} s ({count / burst.Elapsed.TotalSeconds:N0} pairs/s); {burst.Unavailable:N0} answers 503 before a 202");

        (long Stored, Listing Listing) last = (0, new Listing(0, 0, TimeSpan.Zero));
        foreach (var checkpoint in Checkpoints)
        {
            if (checkpoint > accepted.Elapsed) await Task.Delay(checkpoint - accepted.Elapsed);
            var readAt = accepted.Elapsed;
            var inSortedSet = await stored.CountAsync();
            var listing = await readings.ListAsync();
            Report.Line($"+{checkpoint.TotalSeconds:0} s", $"{inSortedSet:N0} in the sorted set (read at +{readAt.TotalSeconds:0.0} s); {listing.Listed:N0} listed by GET /api/providers, {listing.Armed:N0} with a next wake-up (in {listing.Took.TotalSeconds:0.0} s)");
            last = (inSortedSet, listing);
        }

        Report.Line("host log lines at warning or above", $"{readings.WarningsSummary()}");
        Report.Line("host peak RSS (VmHWM)", $"{Report.Mb(readings.PeakRss())}");
        var build = options.Host.Label;
        Report.Figure(Name, build, $"time until {count:N0} new pairs were accepted", "—", $"{burst.Elapsed.TotalSeconds:0.0} s");
        Report.Figure(Name, build, "503 answers before a 202", "—", $"{burst.Unavailable:N0}");
        Report.Figure(Name, build, $"stored in the sorted set, +{Checkpoints[^1].TotalSeconds:0} s", $"all {count:N0}", $"{last.Stored:N0}");
        Report.Figure(Name, build, $"listed by the API with a next wake-up, +{Checkpoints[^1].TotalSeconds:0} s", $"all {count:N0}", $"{last.Listing.Armed:N0} (of {last.Listing.Listed:N0} listed)");
    }
}
