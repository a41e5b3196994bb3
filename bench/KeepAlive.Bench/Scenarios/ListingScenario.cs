using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using KeepAlive.Bench.Infrastructure;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// The listing goal of docs/BENCHMARKS.md: three real host processes on the production defaults, one redis-server, and
/// 100,000 pairs (about a third on each node). The seed node's API is asked for one page of the cluster's pairs
/// (<c>GET /api/providers?limit=50</c>) and for the members (<c>GET /api/cluster</c>), the two the status page asks
/// every second; measured: the pairs each counts, the nodes reported unreachable though all are up, and how long each takes.
/// </summary>
public static class ListingScenario
{
    public const string Name = "listing";
    private const int FullSize = 100_000;
    private const int Rounds = 5;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.PairsOr(FullSize);
        Report.Header($"{Name}: 3 nodes, {count:N0} pairs, {Rounds} listings of one page; host {options.Host}");
        // No pair is configured and each keeps alive for an hour: nothing is pinged, only listed.
        await using var cluster = await HostCluster.StartAsync(nodes: 3, pairCount: 0, TimeSpan.FromHours(1), options.Host.Executable);
        var seed = cluster.Nodes[0];
        using var readings = new HostReadings(seed);
        var usages = Pairs.Make(count, hosts: 1000).Select(pair => new Usage(pair.Model, pair.Host, "1h")).ToList();
        await UsageBurst.PostAsync(readings.Http, usages, options.Batch, options.Concurrency, Bound);

        var pages = new List<(int Total, int Unreachable, double Seconds)>();
        for (var round = 0; round < Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var page = await readings.Http.GetFromJsonAsync<JsonElement>("/api/providers?limit=50");
            pages.Add((page.GetProperty("total").GetInt32(), page.GetProperty("unreachable_nodes").GetArrayLength(), clock.Elapsed.TotalSeconds));
        }

        var views = new List<(int Counted, double Seconds)>();
        var members = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var view = await readings.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
            var pairs = view.GetProperty("members").EnumerateArray().Select(member => member.GetProperty("pairs")).ToList();
            views.Add((pairs.Sum(p => p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0), clock.Elapsed.TotalSeconds));
            members = pairs.Select(p => p.ValueKind == JsonValueKind.Number ? $"{p.GetInt32():N0}" : "not counted").ToList();
        }

        Report.Line("pairs per member (GET /api/cluster)", $"{string.Join(", ", members)}");
        foreach (var (total, unreachable, seconds) in pages)
            Report.Line("one page", $"total {total:N0}, {unreachable} node(s) reported unreachable, {seconds:0.00} s");

        var build = options.Host.Label;
        var times = pages.Select(page => page.Seconds).Order().ToArray();
        Report.Figure(Name, build, $"pairs counted by GET /api/providers?limit=50, fewest of {Rounds}", $"all {count:N0}", $"{pages.Min(page => page.Total):N0}");
        Report.Figure(Name, build, "up nodes reported unreachable, most of any listing", "0", $"{pages.Max(page => page.Unreachable)}");
        Report.Figure(Name, build, $"time of one page, median of {Rounds}", "—", $"{Report.Percentile(times, 50):0.00} s");
        Report.Figure(Name, build, $"pairs per member by GET /api/cluster, summed, fewest of {Rounds}", $"all {count:N0}", $"{views.Min(view => view.Counted):N0}");
        Report.Figure(Name, build, $"time of GET /api/cluster, median of {Rounds}", "—",
            $"{Report.Percentile(views.Select(view => view.Seconds * 1000).Order().ToArray(), 50):N0} ms");
    }
}
