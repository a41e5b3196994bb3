using System.Diagnostics.Metrics;
using Akka.Actor;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>The store gauges report each node's own backlog, also when nodes share a process.</summary>
public sealed class StoreBacklogSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_nodes_in_one_process_each_report_their_own_backlog_and_lag()
    {
        var unreachable = new ControlledScheduleStore { HoldWrites = new TaskCompletionSource() };
        unreachable.HoldWrites.SetException(new TimeoutException("store unreachable"));
        await using var failing = await KeepAliveTestNode.StartAsync(new TestNodeOptions { Store = unreachable, Log = output.Sink() });
        await using var healthy = await KeepAliveTestNode.StartAsync(new TestNodeOptions { Log = output.Sink() });

        failing.Pairs.Tell(new RecordUsage(PairKey.From("m1", "http://127.0.0.1:9"), "1h"));
        failing.Pairs.Tell(new RecordUsage(PairKey.From("m2", "http://127.0.0.1:9"), "1h"));
        healthy.Pairs.Tell(new RecordUsage(PairKey.From("m3", "http://127.0.0.1:9"), "1h"));
        await healthy.WaitForWritesAsync(Patience);

        await Eventually.HoldsAsync(() => Gauge("keepalive.store.pending", failing.Address.ToString()) == 2 && Gauge("keepalive.store.lag", failing.Address.ToString()) > 1,
            Patience, "the failing node's two changes to wait for over a second");
        Assert.Equal(0, Gauge("keepalive.store.pending", healthy.Address.ToString()));
        Assert.Equal(0, Gauge("keepalive.store.lag", healthy.Address.ToString()));
    }

    [Fact]
    public async Task A_stopped_nodes_backlog_is_no_longer_reported()
    {
        var node = await KeepAliveTestNode.StartAsync(new TestNodeOptions { Log = output.Sink() });
        var address = node.Address.ToString();
        Assert.Equal(0, Gauge("keepalive.store.pending", address));

        await node.DisposeAsync();

        Assert.Null(Gauge("keepalive.store.pending", address));
    }

    /// <summary>The gauge's value for <paramref name="node"/> (its <c>node</c> tag); null when it reports none.</summary>
    private static double? Gauge(string name, string node)
    {
        double? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter.Name == KeepAliveMetrics.MeterName && instrument.Name == name) meterListener.EnableMeasurementEvents(instrument);
            },
        };
        void Record(double measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "node" && Equals(tag.Value, node)) value = measurement;
            }
        }

        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) => Record(measurement, tags));
        listener.SetMeasurementEventCallback<double>((_, measurement, tags, _) => Record(measurement, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
