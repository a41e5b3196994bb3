using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka.Actor;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Bench.Infrastructure;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// Figure 3 of docs/BENCHMARKS.md: how late pings are sent with 10,000 pairs (intervals 10-60 s, each pair on a host of its own)
/// against a loopback responder, first with every backend answering, then with one more backend that hangs until
/// the ping timeout. Lateness of ping n of a pair is taken from what the responder sees:
/// arrival(n) - arrival(n-1) - interval - offset, because a successful ping schedules the next one at
/// ping start + interval + offset (the loopback delay cancels to first order).
/// </summary>
public static class LatenessScenario
{
    private const int PairCount = 10_000;
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(3);

    public static async Task RunAsync()
    {
        var baseline = await RunOnceAsync(withHangingBackend: false);
        var hanging = await RunOnceAsync(withHangingBackend: true);
        Report.Header("ping lateness side by side (ms)");
        Report.Line("all backends answer, responder   ", $"{baseline.Responder}");
        Report.Line("all backends answer, service     ", $"{baseline.Service}");
        Report.Line("one backend hangs, responder     ", $"{hanging.Responder}");
        Report.Line("one backend hangs, service       ", $"{hanging.Service}");
    }

    private static async Task<(string Responder, string Service)> RunOnceAsync(bool withHangingBackend)
    {
        Report.Header($"ping lateness: {PairCount:N0} pairs, intervals 10-60 s, {Duration.TotalMinutes:0} min" +
                      (withHangingBackend ? ", plus one backend that hangs until the ping timeout" : ""));
        var settings = new KeepAliveSettings();
        await using var responder = await FakeModelServer.StartAsync(RequestRecording.ArrivalTimesOnly);
        var pairs = new PairKey[PairCount];
        var intervals = new TimeSpan[PairCount];
        var providers = new List<ProviderConfig>(PairCount + 1);
        for (var i = 0; i < PairCount; i++)
        {
            intervals[i] = TimeSpan.FromSeconds(10 + i % 51);
            pairs[i] = PairKey.From("bench/model", responder.HostNamed($"h{i}"));
            providers.Add(Provider(pairs[i], intervals[i]));
        }
        var hung = PairKey.From("bench/model", responder.HostNamed("hang"));
        // Until the ping's own timeout cancels the request: the backend that hangs.
        responder.Respond("/hang", FakeResponse.Hang());
        if (withHangingBackend) providers.Add(Provider(hung, TimeSpan.FromSeconds(10)));

        // The service's own instrument (send time minus due time, clamped at 0), for every ping including each
        // pair's first: no send-delay term, unlike the responder's estimate below.
        var serviceLateness = new ConcurrentQueue<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KeepAliveMetrics.MeterName && instrument.Name == "keepalive.ping.lateness") l.EnableMeasurementEvents(instrument);
        };
        var measuring = true;
        listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            if (Volatile.Read(ref measuring)) serviceLateness.Enqueue(seconds * 1000);
        });
        listener.Start();
        await using var node = await BenchNode.StartAsync(store: null, new ProviderCatalog(providers, [], "bench"), settings);
        var clock = Stopwatch.StartNew();
        var startedAt = Stopwatch.GetTimestamp();
        if (withHangingBackend) node.Pairs.Tell(new RecordUsage(hung, "10s"));
        var keepAlives = pairs.Select((pair, i) => (pair, text: $"{(int)intervals[i].TotalSeconds}s")).ToDictionary(x => x.pair, x => x.text);
        // In windows of 1,000, as a router's traffic ramps up: one burst of 10,000 new entities made the
        // remember-entities store time out and its shard restart, dropping the usages it held (docs/BENCHMARKS.md).
        var retold = await node.RegisterAsync(pairs, pair => keepAlives[pair], window: 1000);
        Report.Line("registered", $"{PairCount:N0} pairs in {clock.Elapsed.TotalMilliseconds:0} ms ({retold} window(s) told again after a lost answer)");

        await Task.Delay(Duration - clock.Elapsed);
        // The final check asks all 10,000 pairs at once and delays the pings around it: they are not counted.
        var measuredUntil = Stopwatch.GetTimestamp();
        measuring = false;
        var statuses = await node.StatusOfAllAsync(pairs);
        var hungStatus = withHangingBackend ? await node.StatusAsync(hung) : null;
        await node.DisposeAsync();
        listener.Dispose();

        var lateness = new List<double>();
        // When the pings over 250 ms arrived (seconds into the run): a cluster points at one event (GC, a timeout).
        var lateAt = new List<int>();
        long pings = 0;
        for (var i = 0; i < PairCount; i++)
        {
            var arrivals = responder.ArrivalsAt(pairs[i].Host).Where(at => at <= measuredUntil).ToArray();
            pings += arrivals.Length;
            var expected = (intervals[i] + PingSpread.OffsetFor(pairs[i], intervals[i], settings)).TotalMilliseconds;
            for (var n = 1; n < arrivals.Length; n++)
            {
                var late = (arrivals[n] - arrivals[n - 1]) * 1000.0 / Stopwatch.Frequency - expected;
                lateness.Add(late);
                if (late > 250) lateAt.Add((int)((arrivals[n] - startedAt) / Stopwatch.Frequency));
            }
        }
        var distribution = Report.Distribution(lateness.ToArray(), "ms");
        Report.Line("pings received", $"{pings:N0} ({pings / Duration.TotalSeconds:0} /s)");
        Report.Line("pairs with failures at the end", $"{statuses.Count(s => s.ConsecutiveFailures > 0)}");
        Report.Line("lateness (responder: arrival gaps - interval - offset, pings after the first)", $"{distribution}");
        var service = Report.Distribution(serviceLateness.ToArray(), "ms");
        Report.Line("lateness (service: keepalive.ping.lateness, every ping)", $"{service}");
        Report.Line("over 50 ms / over 250 ms", $"{lateness.Count(l => l > 50)} / {lateness.Count(l => l > 250)}");
        if (lateAt.Count > 0)
            Report.Line("pings over 250 ms arrived at (s into the run: count)", $"{string.Join(", ", lateAt.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))}");
        if (hungStatus is not null)
            Report.Line("hanging backend", $"{responder.ArrivalsAt(hung.Host).Length} request(s) held; its pair: {hungStatus.State}, {hungStatus.ConsecutiveFailures} failure(s), last: {hungStatus.LastPing?.Failure}");
        return (distribution, service);
    }

    private static ProviderConfig Provider(PairKey pair, TimeSpan interval) =>
        new(pair.Model, $"p-{pair.Host}", "vllm", pair.Host, "", "", $"{(int)interval.TotalSeconds}s", KeepAliveMode.Chat);
}
