using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors;

/// <summary>
/// The library's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>. Only
/// System.Diagnostics.Metrics: an embedding app picks its exporter (the host exports Prometheus).
/// Every instrument is documented in docs/METRICS.md.
/// </summary>
public static class KeepAliveMetrics
{
    public const string MeterName = "KeepAlive.Actors";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> PingsSent = Meter.CreateCounter<long>(
        "keepalive.pings.sent", "{ping}", "Pings sent to a model server");

    private static readonly Counter<long> PingsSucceeded = Meter.CreateCounter<long>(
        "keepalive.pings.succeeded", "{ping}", "Pings answered with a 2xx status");

    private static readonly Counter<long> PingsFailed = Meter.CreateCounter<long>(
        "keepalive.pings.failed", "{ping}", "Pings that failed (non-2xx, timeout, refused, DNS)");

    private static readonly Counter<long> PingsSkipped = Meter.CreateCounter<long>(
        "keepalive.pings.skipped", "{ping}", "Due pings not sent; the pair tries again one interval later");

    private static readonly Counter<long> PingsDeferred = Meter.CreateCounter<long>(
        "keepalive.pings.deferred", "{ping}", "Due pings held by the host gate until the host is idle, then sent");

    // Exporters default to millisecond-sized buckets; these suit seconds from a few ms to the 60 s ping timeout.
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    private static readonly Histogram<double> PingLatency = Meter.CreateHistogram(
        "keepalive.ping.latency", "s", "Time from sending a ping to its outcome", advice: SecondsBuckets);

    private static readonly Histogram<double> PingLateness = Meter.CreateHistogram(
        "keepalive.ping.lateness", "s", "Send time minus due time of a ping", advice: SecondsBuckets);

    private static readonly UpDownCounter<long> ActivePairs = Meter.CreateUpDownCounter<long>(
        "keepalive.pairs.active", "{pair}", "Pair actors alive on this process");

    private static readonly Counter<long> StoreBatches = Meter.CreateCounter<long>(
        "keepalive.store.batches", "{batch}", "Schedule batches written to the store (outcome: written, failed)");

    private static readonly Histogram<double> StoreBatchDuration = Meter.CreateHistogram(
        "keepalive.store.batch.duration", "s", "Round trip of one schedule batch write", advice: SecondsBuckets);

    // Each node's writer registers its backlog; the gauges read every registered one, tagged with its node, so nodes
    // that share a process (tests, an app running several systems) each report their own.
    private static readonly ConcurrentDictionary<StoreBacklog, byte> Backlogs = new();

    private static readonly ObservableGauge<long> PendingWrites = Meter.CreateObservableGauge(
        "keepalive.store.pending", () => Backlogs.Keys.Select(backlog => new Measurement<long>(backlog.Pending, backlog.NodeTag)), "{change}",
        "Schedule changes not written yet, queued or in the batch being written (grows while the store is unreachable)");

    private static readonly ObservableGauge<double> StoreLag = Meter.CreateObservableGauge(
        "keepalive.store.lag", () => Backlogs.Keys.Select(backlog => new Measurement<double>(backlog.Lag.TotalSeconds, backlog.NodeTag)), "s",
        "How long schedule changes have been waiting to be written: under the flush interval while the store keeps up");

    /// <summary>The backlog of <paramref name="node"/>'s schedule writer, observed by the store gauges until it is disposed.</summary>
    public static StoreBacklog ObserveBacklog(string node)
    {
        var backlog = new StoreBacklog(node, stopObserving: observed => Backlogs.TryRemove(observed, out _));
        Backlogs[backlog] = 0;
        return backlog;
    }

    public static void PingSent(string apiType, TimeSpan lateness)
    {
        PingsSent.Add(1, new KeyValuePair<string, object?>("api_type", apiType));
        PingLateness.Record(Math.Max(0, lateness.TotalSeconds), new KeyValuePair<string, object?>("api_type", apiType));
    }

    public static void PingSucceeded(string apiType, TimeSpan latency)
    {
        PingsSucceeded.Add(1, new KeyValuePair<string, object?>("api_type", apiType));
        PingLatency.Record(latency.TotalSeconds, new("api_type", apiType), new("outcome", "succeeded"));
    }

    /// <param name="host">The pair's host. Tagging failures by host stays bounded: only hosts with a provider in
    /// models-config are ever pinged, one series per model server and reason, however many pairs it has.</param>
    public static void PingFailed(string apiType, string host, PingFailureReason reason, TimeSpan latency)
    {
        var reasonTag = ReasonTag(reason);
        PingsFailed.Add(1, new("api_type", apiType), new("reason", reasonTag), new("host", PairKey.NormalizeHost(host)));
        PingLatency.Record(latency.TotalSeconds, new("api_type", apiType), new("outcome", "failed"));
    }

    /// <summary>Counts what a pair's step decided to count.</summary>
    public static void Record(Pairs.PairMetric metric)
    {
        switch (metric)
        {
            case Pairs.PairMetric.PingSent sent:
                PingSent(sent.ApiType, sent.Lateness);
                break;
            case Pairs.PairMetric.PingSucceeded succeeded:
                PingSucceeded(succeeded.ApiType, succeeded.Latency);
                break;
            case Pairs.PairMetric.PingFailed failed:
                PingFailed(failed.ApiType, failed.Host, failed.Reason, failed.Latency);
                break;
            case Pairs.PairMetric.PingSkipped skipped:
                PingSkipped(skipped.Reason);
                break;
        }
    }

    /// <param name="reason">One of <see cref="SkipReasons"/>.</param>
    public static void PingSkipped(string reason) => PingsSkipped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void PingDeferredByRequestInFlight() =>
        PingsDeferred.Add(1, new KeyValuePair<string, object?>("reason", "request_in_flight"));

    public static void PairStarted() => ActivePairs.Add(1);

    public static void PairStopped() => ActivePairs.Add(-1);

    /// <summary>Counts and times a batch write; it touches only instruments, never actor state.</summary>
    public static async Task MeasureBatch(Task write)
    {
        // Awaited rather than continued on the pool: a write that has already finished keeps finishing
        // on the caller's thread, as it would without the measurement.
        var started = Stopwatch.GetTimestamp();
        var outcome = "failed";
        try
        {
            await write;
            outcome = "written";
        }
        finally
        {
            StoreBatches.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            StoreBatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>The reason tags of <c>keepalive.pings.skipped</c>.</summary>
    public static class SkipReasons
    {
        public const string HostBusy = "host_busy";
        public const string Unconfigured = "unconfigured";
        public const string IdleExpired = "idle_expired";
    }

    private static string ReasonTag(PingFailureReason reason) => reason switch
    {
        PingFailureReason.HttpStatus => "http_status",
        PingFailureReason.Timeout => "timeout",
        PingFailureReason.ConnectionRefused => "connection_refused",
        PingFailureReason.DnsFailure => "dns_failure",
        PingFailureReason.NotSent => "not_sent",
        _ => "other",
    };
}

/// <summary>
/// One node's schedule backlog, kept by its writer (<see cref="Scheduling.SchedulerActor"/>) and read by the store gauges
/// from the exporter's thread. Disposed, it is no longer observed.
/// </summary>
public sealed class StoreBacklog : IDisposable
{
    private readonly Action<StoreBacklog> _stopObserving;
    private long _pending;

    // Stopwatch timestamp since which changes have waited without the store taking everything; 0 when nothing waits.
    private long _waitingSince;

    internal StoreBacklog(string node, Action<StoreBacklog> stopObserving)
    {
        NodeTag = new KeyValuePair<string, object?>("node", node);
        _stopObserving = stopObserving;
    }

    public KeyValuePair<string, object?> NodeTag { get; }

    /// <summary>Changes not in the store yet, queued or in the batch being written.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>How long changes have waited for the store to take them; zero when none waits.</summary>
    public TimeSpan Lag => Interlocked.Read(ref _waitingSince) is var since && since != 0 ? Stopwatch.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>The writer's backlog changed to <paramref name="pending"/> changes.</summary>
    public void Changed(int pending)
    {
        Interlocked.Exchange(ref _pending, pending);
        if (pending == 0) Interlocked.Exchange(ref _waitingSince, 0);
        else Interlocked.CompareExchange(ref _waitingSince, Stopwatch.GetTimestamp(), 0);
    }

    /// <summary>A batch reached the store; <paramref name="pending"/> changes, which came while it was out, wait from now.</summary>
    public void BatchWritten(int pending)
    {
        Interlocked.Exchange(ref _pending, pending);
        Interlocked.Exchange(ref _waitingSince, pending > 0 ? Stopwatch.GetTimestamp() : 0);
    }

    public void Dispose() => _stopObserving(this);
}
