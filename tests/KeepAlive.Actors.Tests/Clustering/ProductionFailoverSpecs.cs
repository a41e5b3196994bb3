using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using KeepAlive.Actors.Tests.Api;
using KeepAlive.Actors.Tests.Fixtures;
using KeepAlive.Testing;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Clustering;

/// <summary>Specs whose bounds are production timings: they run alone, after every other spec, so nothing else shares the cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProductionTimingsCollection
{
    public const string Name = "Production timings";
}

/// <summary>
/// Three real host processes, as the README starts them, on the settings a user runs (no failure detector, split
/// brain resolver or flush setting of the test's own), sharing one redis-server and one fake model server. Nodes are
/// lost the ways production loses them: SIGKILL, a frozen process (SIGSTOP) that the others down, SIGTERM.
/// </summary>
[Collection(ProductionTimingsCollection.Name)]
public sealed class ProductionFailoverSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PairCount = 60;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(3);

    /// <summary>The promise: from losing a node to every one of its pairs pinging again.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(30);

    private readonly List<HostProcess> _nodes = [];
    private RedisServer _redis = null!;
    private FakeModelServer _server = null!;
    private string _modelsConfig = string.Empty;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _server = await FakeModelServer.StartAsync();
        _modelsConfig = WriteModelsConfig(_server);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await _server.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_modelsConfig)!, recursive: true);
    }

    [Fact]
    public async Task A_SIGKILLed_oldest_node_has_its_pairs_pinging_on_the_survivors_within_30_s_and_no_pair_is_pinged_twice()
    {
        var (oldest, second, third) = await StartClusterAsync();
        var steady = await RegisterAndSettleAsync(second);
        var lost = await PairsOnAsync(oldest, via: second);
        Assert.NotEmpty(lost);

        var crashedAt = DateTimeOffset.UtcNow;
        oldest.Crash();

        var failover = await WaitUntilPingedAfterAsync(lost, crashedAt);
        output.WriteLine($"SIGKILL of the oldest node (coordinator and sweeper included): its {lost.Count} pairs pinged again after {failover.TotalSeconds:F1} s");
        Assert.True(failover <= FailoverBound, $"failover took {failover.TotalSeconds:F1} s, the bound is {FailoverBound.TotalSeconds} s");
        await WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow);
        AssertNoPairPingedTwiceWithinAnInterval(steady);
        Assert.True((await second.Http.GetAsync("/readyz")).IsSuccessStatusCode);
        Assert.True((await third.Http.GetAsync("/readyz")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_frozen_node_is_downed_its_pairs_ping_on_the_survivors_within_30_s_and_once_it_wakes_it_exits_with_a_failing_code()
    {
        var (oldest, second, third) = await StartClusterAsync();
        var steady = await RegisterAndSettleAsync(oldest);
        // Not the oldest (that is the crash spec): whichever of the others holds more pairs.
        var (youngest, lost) = (third, await PairsOnAsync(third, via: oldest));
        if (await PairsOnAsync(second, via: oldest) is var onSecond && onSecond.Count > lost.Count) (youngest, lost) = (second, onSecond);
        Assert.NotEmpty(lost);

        var frozenAt = DateTimeOffset.UtcNow;
        await youngest.SignalAsync("STOP");
        var failover = await WaitUntilPingedAfterAsync(lost, frozenAt);
        output.WriteLine($"SIGSTOP of a younger node: its {lost.Count} pairs pinged again on the others after {failover.TotalSeconds:F1} s");
        Assert.True(failover <= FailoverBound, $"failover took {failover.TotalSeconds:F1} s, the bound is {FailoverBound.TotalSeconds} s");

        // It wakes up to find itself removed: it must stop, and say so to its supervisor with a failing exit code.
        var wokenAt = DateTimeOffset.UtcNow;
        await youngest.SignalAsync("CONT");
        await youngest.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"the woken node exited with code {youngest.ExitCode}");
        Assert.NotEqual(0, youngest.ExitCode);

        // Its timers fired the moment it woke; it must not ping on them (it may hold pairs the others run now). Pings it
        // had already handed to the network stack when it froze still go out as it wakes: those are let through here.
        await WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow);
        AssertNoPairPingedTwiceWithinAnInterval(steady, except: (wokenAt, wokenAt + TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task A_SIGTERMed_oldest_node_leaves_gracefully_no_ping_is_missed_or_doubled_and_it_exits_cleanly()
    {
        var (oldest, second, _) = await StartClusterAsync();
        var steady = await RegisterAndSettleAsync(second);
        var moved = await PairsOnAsync(oldest, via: second);
        Assert.NotEmpty(moved);

        var leftAt = DateTimeOffset.UtcNow;
        await oldest.SignalAsync("TERM");
        await oldest.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, oldest.ExitCode);

        // Three more intervals on the survivors, then every gap is checked from the steady state on.
        await WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset.UtcNow + KeepAlive * 2);
        var gaps = LongestGapAfter(moved, leftAt - KeepAlive);
        output.WriteLine($"SIGTERM of the oldest node: the longest gap between two pings of its {moved.Count} pairs was {gaps.TotalSeconds:F1} s");
        AssertNoPairPingedTwiceWithinAnInterval(steady);
        Assert.True(gaps < KeepAlive * 2, $"a moved pair waited {gaps.TotalSeconds:F1} s between two pings: a ping was missed");
    }

    private async Task<(HostProcess Oldest, HostProcess Second, HostProcess Youngest)> StartClusterAsync()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort()).ToArray();
        var seed = $"akka.tcp://keepalive@127.0.0.1:{ports[0]}";
        var nodes = new List<HostProcess>();
        foreach (var port in ports)
        {
            // One after the other, so the first is the oldest member.
            var node = await HostProcess.StartAsync(
                ["--models-config", _modelsConfig, "--redis", _redis.ConnectionString, "--port", port.ToString(), "--seed-nodes", seed]);
            _nodes.Add(node);
            await node.WaitUntilReadyAsync();
            nodes.Add(node);
        }

        return (nodes[0], nodes[1], nodes[2]);
    }

    /// <summary>Registers every pair through <paramref name="via"/> and waits until each has been pinged twice since.</summary>
    private async Task<DateTimeOffset> RegisterAndSettleAsync(HostProcess via)
    {
        var usages = Pairs().Select(pair => new { model_name = pair.Model, host = pair.Host, keep_alive = "3s" }).ToArray();
        var response = await via.Http.PostAsJsonAsync("/api/usage/batch", usages);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var registered = DateTimeOffset.UtcNow;
        await WaitUntilEveryPairIsPingedAfterAsync(registered + KeepAlive + TimeSpan.FromSeconds(1));
        return registered + KeepAlive + TimeSpan.FromSeconds(1);
    }

    /// <summary>The models whose pairs live on <paramref name="node"/>, as another node's API lists them.</summary>
    private static async Task<List<string>> PairsOnAsync(HostProcess node, HostProcess via)
    {
        var address = $"akka.tcp://keepalive@127.0.0.1:{node.Argument("--port")}";
        var listing = await (await via.Http.GetAsync("/api/providers")).JsonAsync();
        Assert.Equal(PairCount, listing.GetProperty("count").GetInt32());
        return listing.GetProperty("providers").EnumerateArray()
            .Where(pair => pair.Text("node") == address)
            .Select(pair => pair.Text("model")!)
            .ToList();
    }

    /// <summary>How long after <paramref name="after"/> the last of <paramref name="models"/> was pinged again.</summary>
    private async Task<TimeSpan> WaitUntilPingedAfterAsync(IReadOnlyCollection<string> models, DateTimeOffset after)
    {
        // Up to twice the bound, so a miss is reported with the time it took.
        await Eventually.HoldsAsync(() => Task.FromResult(models.All(model => FirstPingAfter(model, after) is not null)),
            FailoverBound * 2, $"{models.Count} pairs pinged again");
        return models.Max(model => FirstPingAfter(model, after)!.Value) - after;
    }

    private Task WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset after) =>
        Eventually.HoldsAsync(
            () => Task.FromResult(Pairs().All(pair => FirstPingAfter(pair.Model, after) is not null)),
            (after - DateTimeOffset.UtcNow).Duration() + FailoverBound, $"every pair pinged after {after:HH:mm:ss.fff}");

    private DateTimeOffset? FirstPingAfter(string model, DateTimeOffset after) =>
        _server.Requests.Where(r => r.Model == model && r.ReceivedAt > after).Select(r => (DateTimeOffset?)r.ReceivedAt).Min();

    private TimeSpan LongestGapAfter(IEnumerable<string> models, DateTimeOffset from) =>
        models.SelectMany(model => Gaps(model, from)).DefaultIfEmpty(TimeSpan.Zero).Max();

    private IEnumerable<TimeSpan> Gaps(string model, DateTimeOffset from, (DateTimeOffset From, DateTimeOffset To)? except = null)
    {
        var times = _server.Requests
            .Where(r => r.Model == model && r.ReceivedAt >= from && !(except is { } window && r.ReceivedAt >= window.From && r.ReceivedAt <= window.To))
            .Select(r => r.ReceivedAt).Order().ToList();
        return times.Zip(times.Skip(1), (earlier, later) => later - earlier);
    }

    /// <summary>
    /// A second pinger, or a successor that did not know its predecessor's last ping, shows as two pings close together.
    /// Arrival times are compared: on two cores busy with a failover a ping can reach the server most of a second late,
    /// which shortens the next gap by as much, so the bound is half an interval.
    /// </summary>
    /// <param name="except">Requests received in this window do not count.</param>
    private void AssertNoPairPingedTwiceWithinAnInterval(DateTimeOffset from, (DateTimeOffset From, DateTimeOffset To)? except = null)
    {
        var doubled = Pairs()
            .SelectMany(pair => Gaps(pair.Model, from, except).Where(gap => gap < KeepAlive * 0.5).Select(gap => $"{pair.Model}: two pings {gap.TotalMilliseconds:F0} ms apart"))
            .ToList();
        var first = doubled.FirstOrDefault()?.Split(':')[0];
        var timeline = first is null ? string.Empty : string.Join(", ",
            _server.Requests.Where(r => r.Model == first && r.ReceivedAt >= from).Select(r => $"{r.ReceivedAt:HH:mm:ss.fff} from :{r.ClientPort}"));
        Assert.True(doubled.Count == 0, string.Join(Environment.NewLine, doubled.Take(20)) + $"{Environment.NewLine}{first}: {timeline}");
    }

    /// <summary>Every pair has its own model and its own spelling of the server's host, so no two share a host gate.</summary>
    private IEnumerable<(string Model, string Host)> Pairs()
    {
        var port = new Uri(_server.Host).Port;
        return Enumerable.Range(0, PairCount).Select(i => ($"model-{i}", $"http://{Spelling(i)}:{port}"));
    }

    private string WriteModelsConfig(FakeModelServer server)
    {
        var models = Pairs().ToDictionary(
            pair => pair.Model,
            pair => new { providers = new[] { new { id = pair.Model, api_type = "vllm", api_host = pair.Host, api_token = "", model_path = "", keep_alive = "3s" } } });
        var folder = Directory.CreateTempSubdirectory("keepalive-failover-");
        var path = Path.Combine(folder.FullName, "models-config.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { failover_models = models }));
        return path;
    }

    /// <summary>A distinct spelling of <c>localhost</c> per pair (bit j of i upper-cases letter j).</summary>
    private static string Spelling(int i) =>
        new("localhost".Select((ch, j) => (i >> j & 1) == 1 ? char.ToUpperInvariant(ch) : ch).ToArray());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
