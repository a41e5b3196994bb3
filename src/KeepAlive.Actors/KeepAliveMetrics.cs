using System.Diagnostics;
using System.Diagnostics.Metrics;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Providers;

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

    private static long _pendingWrites;

    // Changes of the batch the store is writing: not durable yet, so they count as pending too.
    private static long _writingChanges;

    // Stopwatch timestamp since which changes have waited without the store taking everything; 0 when
    // nothing waits. Only a written batch moves it: a failed one hands its changes back to the backlog.
    private static long _waitingSince;

    // Observed rather than counted: the scheduler knows the exact backlog after every change.
    private static readonly ObservableGauge<long> PendingWrites = Meter.CreateObservableGauge(
        "keepalive.store.pending", () => Interlocked.Read(ref _pendingWrites) + Interlocked.Read(ref _writingChanges), "{change}",
        "Schedule changes not written yet, queued or in the batch being written (grows while the store is unreachable)");

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
        PingsFailed.Add(1, new("api_type", apiType), new("reason", reasonTag), new("host", ProviderKey.NormalizeHost(host)));
        PingLatency.Record(latency.TotalSeconds, new("api_type", apiType), new("outcome", "failed"));
    }

    /// <summary>Counts what a pair's step decided to count.</summary>
    public static void Record(Providers.PairMetric metric)
    {
        switch (metric)
        {
            case Providers.PairMetric.PingSent sent:
                PingSent(sent.ApiType, sent.Lateness);
                break;
            case Providers.PairMetric.PingSucceeded succeeded:
                PingSucceeded(succeeded.ApiType, succeeded.Latency);
                break;
            case Providers.PairMetric.PingFailed failed:
                PingFailed(failed.ApiType, failed.Host, failed.Reason, failed.Latency);
                break;
            case Providers.PairMetric.PingSkipped skipped:
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

    private static readonly ObservableGauge<double> StoreLag = Meter.CreateObservableGauge(
        "keepalive.store.lag", ObserveLag, "s",
        "How long schedule changes have been waiting to be written: under the flush interval while the store keeps up");

    public static void SetPendingWrites(int count)
    {
        Interlocked.Exchange(ref _pendingWrites, count);
        if (count > 0) Interlocked.CompareExchange(ref _waitingSince, Stopwatch.GetTimestamp(), 0);
    }

    private static void BatchWritten() =>
        // What is still queued arrived while the batch was out: it waits from now.
        Interlocked.Exchange(ref _waitingSince, Interlocked.Read(ref _pendingWrites) > 0 ? Stopwatch.GetTimestamp() : 0);

    private static double ObserveLag() =>
        Interlocked.Read(ref _waitingSince) is var since && since != 0 ? Stopwatch.GetElapsedTime(since).TotalSeconds : 0;

    /// <summary>Counts and times a batch write; it touches only instruments, never actor state.</summary>
    public static async Task MeasureBatch(Task write, int changes)
    {
        // Awaited rather than continued on the pool: a write that has already finished keeps finishing
        // on the caller's thread, as it would without the measurement.
        var started = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _writingChanges, changes);
        var outcome = "failed";
        try
        {
            await write;
            outcome = "written";
            BatchWritten();
        }
        finally
        {
            Interlocked.Add(ref _writingChanges, -changes);
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
