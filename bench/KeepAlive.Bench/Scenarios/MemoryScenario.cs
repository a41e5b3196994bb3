using System.Diagnostics;
using KeepAlive.Bench.Infrastructure;
using KeepAlive.HeapProbe;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// The memory goal of docs/BENCHMARKS.md: managed heap per idle pair at 100,000 pairs (keep_alive 1h, so none is due during the run) in a
/// host process with a real redis-server. The heap is read inside the host by the heap probe (a startup hook, so any
/// build runs it unchanged) after two compacting collections, before and after registering the pairs.
/// </summary>
public static class MemoryScenario
{
    public const string Name = "memory";
    private const int FullSize = 100_000;
    private const int WarmUpPairs = 1_000;

    // Registered a window at a time, each waited for, as the in-process bench did before: a build that cannot take a
    // burst (remember-entities) still gets every pair, so the figure is per pair that exists.
    private const int Window = 1_000;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(50);

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.PairsOr(FullSize);
        Report.Header($"{Name}: {count:N0} idle pairs (keep_alive 1h), Redis store; host {options.Host}");
        var socket = Path.Combine(Path.GetTempPath(), $"keepalive-heap-{Guid.NewGuid():N}.sock");
        try
        {
            await using var redis = await RedisServer.StartAsync();
            await using var stored = await StoredSchedule.ConnectAsync(redis);
            await using var host = await options.Host.StartAsync(["--redis", redis.ConnectionString], HeapProbeClient.EnvironmentFor(socket));
            await host.WaitUntilReadyAsync();
            using var readings = new HostReadings(host);
            // 100 models on each of 1,000 hosts; the warm-up pairs create the shards and JIT the paths first, so the
            // difference below is the pairs' own.
            var all = Pairs.Make(WarmUpPairs + count, hosts: 1000).Select(pair => new Usage(pair.Model, pair.Host, "1h")).ToArray();

            await RegisterAsync(readings, all[..WarmUpPairs], alreadyAlive: 0);
            await WaitForWritesAsync(readings, stored, WarmUpPairs);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var aliveBefore = await readings.MetricAsync(HostReadings.ActivePairs);
            var before = await HeapProbeClient.ReadAsync(socket);

            var clock = Stopwatch.StartNew();
            await RegisterAsync(readings, all[WarmUpPairs..], aliveBefore);
            var registered = clock.Elapsed;
            var inSortedSet = await WaitForWritesAsync(readings, stored, WarmUpPairs + count);
            var written = clock.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(3));
            var after = await HeapProbeClient.ReadAsync(socket);
            var alive = await readings.MetricAsync(HostReadings.ActivePairs) - aliveBefore;

            Report.Line("registered", $"{count:N0} pairs in {registered.TotalSeconds:0.0} s, {inSortedSet:N0} in the sorted set after {written.TotalSeconds:0.0} s; {alive:N0} pair actors alive");
            Report.Line("heap before / after (GC.GetTotalMemory after compacting GCs)", $"{Report.Mb(before.Total)} / {Report.Mb(after.Total)}; server GC: {after.ServerGc}");
            Report.Line("heap per idle pair", $"{(after.Total - before.Total) / (double)alive:0} B (GC.GetTotalMemory), {(after.HeapSize - before.HeapSize) / (double)alive:0} B (GCMemoryInfo.HeapSizeBytes)");
            Report.Line("host peak RSS (VmHWM)", $"{Report.Mb(readings.PeakRss())}");
            Report.Line("host log lines at warning or above", $"{readings.WarningsSummary()}");
            Report.Figure(Name, options.Host.Label, $"managed heap per idle pair at {count:N0} pairs", "≤ 2 KB", $"{(after.Total - before.Total) / (double)alive:N0} B");
            // For a heap dump of the idle pairs (dotnet-gcdump collect -p PID) while the host still holds them.
            if (int.TryParse(Environment.GetEnvironmentVariable("KEEPALIVE_BENCH_HOLD_SECONDS"), out var hold) && hold > 0)
            {
                Report.Line("holding for a heap dump", $"host pid {host.Id}, {hold} s");
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(hold, 300)));
            }
        }
        finally
        {
            File.Delete(socket);
        }
    }

    /// <summary>Posts the usages a window at a time, each window waited for until its pair actors are alive.</summary>
    private static async Task RegisterAsync(HostReadings readings, Usage[] usages, long alreadyAlive)
    {
        var registered = 0;
        foreach (var window in usages.Chunk(Window))
        {
            await UsageBurst.PostAsync(readings.Http, window, batchSize: Window, concurrency: 1, Bound);
            registered += window.Length;
            var alive = await readings.WaitForMetricAsync(HostReadings.ActivePairs, alreadyAlive + registered, Bound, PollEvery);
            if (alive < alreadyAlive + registered)
                throw new TimeoutException($"Only {alive - alreadyAlive:N0} of {registered:N0} registered pairs were alive after {Bound.TotalMinutes:0} min.");
        }
    }

    /// <summary>Waits until the sorted set holds <paramref name="expected"/> pairs and nothing waits to be written; returns the count.</summary>
    private static async Task<long> WaitForWritesAsync(HostReadings readings, StoredSchedule stored, long expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var inSortedSet = await stored.CountAsync();
            if ((inSortedSet >= expected && await readings.MetricAsync(HostReadings.PendingWrites) == 0) || clock.Elapsed >= Bound) return inSortedSet;
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }
}
