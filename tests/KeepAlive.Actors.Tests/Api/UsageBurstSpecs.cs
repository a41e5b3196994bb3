using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using KeepAlive.Host.Api;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>Specs that load the machine on purpose: they run alone, after the parallel ones, and slow no other spec.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UsageBurstCollection
{
    public const string Name = "Usage bursts";
}

/// <summary>
/// "202 means kept" under a burst: the real host on a real redis-server takes new pairs through
/// <c>POST /api/usage/batch</c> from many concurrent clients as fast as it answers, and every pair it answered 202 for
/// ends up in the stored schedule and in the pair list. The size is one that lost pairs before the design change
/// (remember-entities on): 80,000 pairs from 16 clients in batches of 1,000 (the commit that added this spec says how
/// many were lost there).
/// </summary>
[Collection(UsageBurstCollection.Name)]
public sealed class UsageBurstSpecs(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private const int PairCount = 80_000;
    private const int BatchSize = 1_000;
    private const int Clients = 16;

    /// <summary>A few hosts no test server answers; keep-alives of an hour never come due during a spec.</summary>
    private const int HostCount = 8;

    /// <summary>From the last 202 to the whole burst stored and listed: seconds when kept, never when lost.</summary>
    private static readonly TimeSpan StoredBound = TimeSpan.FromSeconds(90);

    /// <summary>A client that is refused this often in a row gives up: the node never took its batch.</summary>
    private const int MaxAttemptsPerBatch = 300;

    [Fact]
    public async Task Every_pair_of_a_burst_answered_202_is_stored_and_listed()
    {
        var prefix = RedisServer.NewKeyPrefix();
        await using var host = await StartHostAsync(prefix);

        var burst = await SendBurstAsync(host, "burst");

        await AssertStoredAndListedAsync(host, prefix, burst);
    }

    [Fact]
    public async Task Every_pair_of_a_burst_answered_202_is_stored_and_listed_while_another_process_keeps_both_cores_busy()
    {
        var prefix = RedisServer.NewKeyPrefix();
        await using var host = await StartHostAsync(prefix);
        await using var busy = BusyCores.Start(count: 2, stopAfter: TimeSpan.FromSeconds(150));

        var burst = await SendBurstAsync(host, "busy-burst");

        await AssertStoredAndListedAsync(host, prefix, burst);
        Assert.True(busy.StillRunning, "the busy loops stopped before the burst was checked: the spec ran on idle cores");
    }

    [Fact]
    public async Task Past_max_unconfirmed_batches_are_refused_with_retry_after_nothing_refused_is_kept_and_retries_store_everything()
    {
        var prefix = RedisServer.NewKeyPrefix();
        await using var host = await StartHostAsync(prefix, "--max-unconfirmed", "100");

        // Each attempt names its pairs with its number, so a refused attempt's pairs can be told from the accepted one's.
        var burst = await SendBurstAsync(host, "refusal", pairCount: 4_000, batchSize: 100, namedByAttempt: true);

        Assert.NotEmpty(burst.Refused);
        await AssertStoredAndListedAsync(host, prefix, burst);
        var stored = await StoredMembersAsync(prefix, burst.Refused);
        Assert.True(stored.Count == 0, $"{stored.Count} pair(s) of refused batches were kept, e.g. {stored.FirstOrDefault()}");
    }

    private async Task<HostProcess> StartHostAsync(string prefix, params string[] extra)
    {
        var host = await HostProcess.StartAsync(["--redis", redis.ConnectionString, "--redis-prefix", prefix, .. extra], echo: output.Sink());
        await host.WaitUntilReadyAsync();
        return host;
    }

    private sealed record Usage(string model_name, string host, string keep_alive)
    {
        public PairKey Pair => PairKey.From(model_name, host);
    }

    /// <param name="Accepted">Every usage of a batch answered 202.</param>
    /// <param name="Refused">Every usage of an attempt answered 503 "nothing was taken".</param>
    /// <param name="Unconfirmed">Every usage of an attempt answered 503 "not confirmed" (it may have been taken).</param>
    private sealed record Burst(IReadOnlyList<Usage> Accepted, IReadOnlyList<Usage> Refused, IReadOnlyList<Usage> Unconfirmed);

    /// <summary>
    /// Posts <paramref name="pairCount"/> new pairs in batches from <see cref="Clients"/> concurrent clients, each
    /// sending its next batch as soon as the last was answered; a 503 is sent again after its <c>Retry-After</c>.
    /// </summary>
    private async Task<Burst> SendBurstAsync(
        HostProcess host, string name, int pairCount = PairCount, int batchSize = BatchSize, bool namedByAttempt = false)
    {
        var batches = new ConcurrentQueue<int>(Enumerable.Range(0, pairCount / batchSize));
        var accepted = new ConcurrentBag<Usage>();
        var refused = new ConcurrentBag<Usage>();
        var unconfirmed = new ConcurrentBag<Usage>();

        Usage[] BatchOf(int batch, int attempt) => Enumerable.Range(batch * batchSize, batchSize)
            .Select(i => new Usage(
                namedByAttempt ? $"{name}-{i}-attempt-{attempt}" : $"{name}-{i}",
                $"http://10.255.255.1:{9000 + i % HostCount}",
                "1h"))
            .ToArray();

        async Task ClientAsync()
        {
            while (batches.TryDequeue(out var batch))
            {
                for (var attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < MaxAttemptsPerBatch, $"batch {batch} was not accepted in {MaxAttemptsPerBatch} attempts");
                    var usages = BatchOf(batch, namedByAttempt ? attempt : 0);
                    using var response = await host.Http.PostAsJsonAsync("/api/usage/batch", usages);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        foreach (var usage in usages) accepted.Add(usage);
                        break;
                    }

                    var retryAfter = await AssertRetryLaterAsync(response);
                    foreach (var usage in usages) (retryAfter.NothingTaken ? refused : unconfirmed).Add(usage);
                    await Task.Delay(retryAfter.Delay);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(ClientAsync)));
        output.WriteLine(
            $"{name}: {accepted.Count} pairs answered 202 in {clock.Elapsed.TotalSeconds:F1} s from {Clients} clients; " +
            $"503s: {refused.Count / batchSize} refused, {unconfirmed.Count / batchSize} unconfirmed batch(es)");
        return new Burst(accepted.ToArray(), refused.ToArray(), unconfirmed.ToArray());
    }

    /// <summary>A 503 as the README promises it: <c>Retry-After</c> in seconds and a problem saying whether anything was taken.</summary>
    private static async Task<(bool NothingTaken, TimeSpan Delay)> AssertRetryLaterAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var delay = response.Headers.RetryAfter?.Delta;
        Assert.True(delay is { } seconds && seconds > TimeSpan.Zero, $"a 503 without a positive Retry-After: {response.Headers.RetryAfter}");
        var title = (await response.JsonAsync()).Text("title");
        Assert.Contains(title, new[] { KeepAliveApi.RefusedTitle, KeepAliveApi.UnconfirmedTitle });
        return (title == KeepAliveApi.RefusedTitle, delay!.Value);
    }

    /// <summary>
    /// Every accepted pair is in the sorted set and listed by <c>GET /api/providers</c>; nothing else is, but the pairs
    /// of unconfirmed attempts (which may have been taken).
    /// </summary>
    private async Task AssertStoredAndListedAsync(HostProcess host, string prefix, Burst burst)
    {
        var accepted = burst.Accepted.Select(u => u.Pair.EntityId).ToHashSet();
        var mayBeKept = burst.Unconfirmed.Select(u => u.Pair.EntityId).ToHashSet();
        await using var connection = await redis.ConnectAsync();
        var wakeUps = new ScheduleKeys(prefix).NextWakeUp;

        var clock = Stopwatch.StartNew();
        var storedCount = await Eventually.ValueAsync(() => connection.GetDatabase().SortedSetLengthAsync(wakeUps),
            count => count >= accepted.Count, StoredBound, $"the {accepted.Count} accepted pairs in {wakeUps}");
        var missing = accepted.Except(await StoredMembersAsync(prefix, burst.Accepted)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {accepted.Count} accepted pairs are not stored, e.g. {missing.FirstOrDefault()}");
        Assert.InRange(storedCount, accepted.Count, accepted.Count + mayBeKept.Count);
        output.WriteLine($"all {accepted.Count} accepted pairs stored {clock.Elapsed.TotalSeconds:F1} s after the last 202");

        var listed = await Eventually.ValueAsync(() => ListedAsync(host), pairs => accepted.IsSubsetOf(pairs), StoredBound,
            $"the {accepted.Count} accepted pairs listed by GET /api/providers");
        Assert.Empty(listed.Except(accepted).Except(mayBeKept));
        output.WriteLine($"all {accepted.Count} accepted pairs listed {clock.Elapsed.TotalSeconds:F1} s after the last 202");
    }

    /// <summary>Those of <paramref name="usages"/> that have a score in the sorted set (ZMSCORE, a thousand at a time).</summary>
    private async Task<HashSet<string>> StoredMembersAsync(string prefix, IEnumerable<Usage> usages)
    {
        await using var connection = await redis.ConnectAsync();
        var database = connection.GetDatabase();
        var wakeUps = new ScheduleKeys(prefix).NextWakeUp;
        var stored = new HashSet<string>();
        foreach (var chunk in usages.Select(u => ScheduleKeys.Member(u.Pair)).Distinct().Chunk(1_000))
        {
            var scores = await database.SortedSetScoresAsync(wakeUps, chunk.Select(member => (RedisValue)member).ToArray());
            stored.UnionWith(chunk.Where((_, i) => scores[i] is not null));
        }

        return stored;
    }

    private static async Task<HashSet<string>> ListedAsync(HostProcess host)
    {
        var listing = await (await host.Http.GetAsync("/api/providers")).JsonAsync();
        return listing.GetProperty("providers").EnumerateArray()
            .Select(pair => PairKey.From(pair.Text("model")!, pair.Text("host")!).EntityId)
            .ToHashSet();
    }

    /// <summary>
    /// Busy loops in processes of their own, as another program on the machine would run: each stops itself after
    /// <c>stopAfter</c> (<c>timeout</c>), and is killed when disposed, whichever comes first.
    /// </summary>
    private sealed class BusyCores : IAsyncDisposable
    {
        private readonly Process[] _loops;

        private BusyCores(Process[] loops) => _loops = loops;

        public bool StillRunning => _loops.All(loop => !loop.HasExited);

        public static BusyCores Start(int count, TimeSpan stopAfter)
        {
            var seconds = ((int)stopAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new BusyCores(Enumerable.Range(0, count)
                .Select(_ => Process.Start(new ProcessStartInfo("timeout", [seconds, "sh", "-c", "while :; do :; done"]) { UseShellExecute = false })!)
                .ToArray());
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var loop in _loops)
            {
                if (!loop.HasExited) loop.Kill(entireProcessTree: true);
                await loop.WaitForExitAsync();
                loop.Dispose();
            }
        }
    }
}
