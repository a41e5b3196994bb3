using System.Net.Http.Json;
using System.Text.Json;
using KeepAlive.Fakes;

namespace KeepAlive.Testing;

/// <summary>Pings of one pair closer together than a second pinger would allow.</summary>
/// <param name="Pings">One line per doubled ping.</param>
/// <param name="FirstPairTimeline">Every ping of the first doubled pair, with the client port each came from.</param>
public sealed record DoubledPings(IReadOnlyList<string> Pings, string FirstPairTimeline)
{
    public override string ToString() => string.Join(Environment.NewLine, Pings.Take(20).Append(FirstPairTimeline));
}

/// <summary>
/// Real host processes forming one cluster as the README starts them, on the settings a user runs (no failure
/// detector, split brain resolver or flush setting of their own), sharing one redis-server and one fake model server.
/// Its pairs each have their own model and their own spelling of the server's host, so no two share a host gate, and
/// the server's record of pings shows when each pair was pinged.
/// </summary>
public sealed class HostCluster : IAsyncDisposable
{
    private readonly List<HostProcess> _nodes = [];
    private readonly string _modelsConfig;

    private HostCluster(RedisServer redis, FakeModelServer server, int pairCount, TimeSpan keepAlive)
    {
        Redis = redis;
        ModelServer = server;
        KeepAlive = keepAlive;
        var port = new Uri(server.Host).Port;
        Pairs = Enumerable.Range(0, pairCount).Select(i => ($"model-{i}", $"http://{Spelling(i)}:{port}")).ToArray();
        _modelsConfig = WriteModelsConfig();
    }

    public RedisServer Redis { get; }

    public FakeModelServer ModelServer { get; }

    /// <summary>Every pair's keep_alive.</summary>
    public TimeSpan KeepAlive { get; }

    /// <summary><see cref="KeepAlive"/> as the models-config and the API spell it.</summary>
    public string KeepAliveText => $"{KeepAlive.TotalSeconds:0}s";

    public IReadOnlyList<(string Model, string Host)> Pairs { get; }

    /// <summary>In the order they joined: the first is the seed node and the oldest member.</summary>
    public IReadOnlyList<HostProcess> Nodes => _nodes;

    /// <summary>Starts the redis-server, the fake model server and <paramref name="nodes"/> hosts, one after the other.</summary>
    /// <param name="executable">The host to run (<see cref="HostProcess.StartAsync"/>); null: the build's KeepAlive.Host.dll.</param>
    public static async Task<HostCluster> StartAsync(int nodes, int pairCount, TimeSpan keepAlive, string? executable = null)
    {
        var redis = await RedisServer.StartAsync();
        FakeModelServer server;
        try
        {
            server = await FakeModelServer.StartAsync();
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }

        var cluster = new HostCluster(redis, server, pairCount, keepAlive);
        try
        {
            var ports = Enumerable.Range(0, nodes).Select(_ => TestHttp.FreeLoopbackPort()).ToArray();
            var seed = $"akka.tcp://keepalive@127.0.0.1:{ports[0]}";
            foreach (var port in ports)
            {
                var node = await HostProcess.StartAsync(
                    ["--models-config", cluster._modelsConfig, "--redis", redis.ConnectionString, "--port", port.ToString(), "--seed-nodes", seed],
                    executable: executable);
                cluster._nodes.Add(node);
                // One after the other, so the first is the oldest member.
                await node.WaitUntilReadyAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node's cluster address, as the API's listing names it.</summary>
    public static string AddressOf(HostProcess node) => $"akka.tcp://keepalive@127.0.0.1:{node.Argument("--port")}";

    /// <summary>
    /// Registers every pair through <paramref name="via"/> and waits until each has been pinged since one interval
    /// and a second after; returns that moment, from which every pair pings at its steady pace.
    /// </summary>
    public async Task<DateTimeOffset> RegisterAndSettleAsync(HostProcess via, TimeSpan patience)
    {
        await UsageBurst.PostAsync(via.Http, Pairs.Select(pair => new Usage(pair.Model, pair.Host, KeepAliveText)).ToList(),
            batchSize: Pairs.Count, concurrency: 1, bound: patience);
        var steady = DateTimeOffset.UtcNow + KeepAlive + TimeSpan.FromSeconds(1);
        await WaitUntilEveryPairIsPingedAfterAsync(steady, patience);
        return steady;
    }

    /// <summary>The models whose pairs live on <paramref name="node"/>, as another node's API lists them.</summary>
    /// <exception cref="InvalidOperationException">the listing does not hold every pair.</exception>
    public async Task<List<string>> PairsOnAsync(HostProcess node, HostProcess via)
    {
        var listing = await via.Http.GetFromJsonAsync<JsonElement>("/api/providers");
        var listed = listing.GetProperty("count").GetInt32();
        if (listed != Pairs.Count) throw new InvalidOperationException($"The API listed {listed} pairs, not all {Pairs.Count}.");
        var address = AddressOf(node);
        return listing.GetProperty("providers").EnumerateArray()
            .Where(pair => pair.GetProperty("node").GetString() == address)
            .Select(pair => pair.GetProperty("model").GetString()!)
            .ToList();
    }

    /// <summary>How long after <paramref name="after"/> the last of <paramref name="models"/> was pinged again.</summary>
    /// <exception cref="TimeoutException">one was not pinged within <paramref name="patience"/>.</exception>
    public async Task<TimeSpan> WaitUntilPingedAfterAsync(IReadOnlyCollection<string> models, DateTimeOffset after, TimeSpan patience)
    {
        await Eventually.HoldsAsync(() => models.All(model => FirstPingAfter(model, after) is not null), patience, $"{models.Count} pairs pinged again");
        return models.Max(model => FirstPingAfter(model, after)!.Value) - after;
    }

    /// <summary>Waits until every pair has been pinged after <paramref name="after"/>, at most <paramref name="patience"/> past it.</summary>
    public Task WaitUntilEveryPairIsPingedAfterAsync(DateTimeOffset after, TimeSpan patience) =>
        Eventually.HoldsAsync(
            () => Pairs.All(pair => FirstPingAfter(pair.Model, after) is not null),
            (after - DateTimeOffset.UtcNow).Duration() + patience, $"every pair pinged after {after:HH:mm:ss.fff}");

    public DateTimeOffset? FirstPingAfter(string model, DateTimeOffset after) =>
        ModelServer.Requests.Where(r => r.Model == model && r.ReceivedAt > after).Select(r => (DateTimeOffset?)r.ReceivedAt).Min();

    /// <summary>The longest time between two pings of one of <paramref name="models"/> since <paramref name="from"/>.</summary>
    public TimeSpan LongestGapAfter(IEnumerable<string> models, DateTimeOffset from) =>
        models.SelectMany(model => Gaps(model, from)).DefaultIfEmpty(TimeSpan.Zero).Max();

    /// <summary>
    /// A second pinger, or a successor that did not know its predecessor's last ping, shows as two pings close together.
    /// Arrival times are compared: on two cores busy with a failover a ping can reach the server most of a second late,
    /// which shortens the next gap by as much, so the bound is half an interval.
    /// </summary>
    /// <param name="except">Requests received in this window do not count.</param>
    public DoubledPings PingedTwiceWithinHalfAnInterval(DateTimeOffset from, (DateTimeOffset From, DateTimeOffset To)? except = null)
    {
        var doubled = Pairs
            .SelectMany(pair => Gaps(pair.Model, from, except).Where(gap => gap < KeepAlive * 0.5).Select(gap => (pair.Model, Gap: gap)))
            .ToList();
        var first = doubled.FirstOrDefault().Model;
        var timeline = ModelServer.Requests.Where(r => r.Model == first && r.ReceivedAt >= from).Select(r => $"{r.ReceivedAt:HH:mm:ss.fff} from :{r.ClientPort}");
        return new DoubledPings(doubled.Select(d => $"{d.Model}: two pings {d.Gap.TotalMilliseconds:F0} ms apart").ToList(), $"{first}: {string.Join(", ", timeline)}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await ModelServer.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_modelsConfig)!, recursive: true);
    }

    private IEnumerable<TimeSpan> Gaps(string model, DateTimeOffset from, (DateTimeOffset From, DateTimeOffset To)? except = null)
    {
        var times = ModelServer.Requests
            .Where(r => r.Model == model && r.ReceivedAt >= from && !(except is { } window && r.ReceivedAt >= window.From && r.ReceivedAt <= window.To))
            .Select(r => r.ReceivedAt).Order().ToList();
        return times.Zip(times.Skip(1), (earlier, later) => later - earlier);
    }

    private string WriteModelsConfig()
    {
        var models = Pairs.ToDictionary(
            pair => pair.Model,
            pair => new { providers = new[] { new { id = pair.Model, api_type = "vllm", api_host = pair.Host, api_token = "", model_path = "", keep_alive = KeepAliveText } } });
        var folder = Directory.CreateTempSubdirectory("keepalive-cluster-");
        var path = Path.Combine(folder.FullName, "models-config.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { failover_models = models }));
        return path;
    }

    /// <summary>A distinct spelling of <c>localhost</c> per pair (bit j of i upper-cases letter j).</summary>
    private static string Spelling(int i) =>
        new("localhost".Select((ch, j) => (i >> j & 1) == 1 ? char.ToUpperInvariant(ch) : ch).ToArray());
}
