using Akka.Actor;
using Akka.TestKit;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Hosts.HostGateProtocol;

namespace KeepAlive.Actors.Tests.Hosts;

/// <summary>One HostGateActor in virtual time; probes play the pairs asking for leases.</summary>
public sealed class HostGateActorSpecs : VirtualTimeSpecs
{
    private const string Host = "http://127.0.0.1:7000";
    private static readonly PairKey Gemma = PairKey.From("gemma", Host);
    private static readonly PairKey Qwen = PairKey.From("qwen", Host);

    private readonly KeepAliveSettings _settings = new() { PingTimeout = TimeSpan.FromSeconds(60), StaleRequestTimeout = TimeSpan.FromMinutes(15) };
    private readonly IActorRef _gate;
    private readonly TestProbe _gemma;
    private readonly TestProbe _qwen;

    public HostGateActorSpecs(ITestOutputHelper output) : base(output)
    {
        _gate = StartSynchronous(HostGateActor.Props(Host, _settings));
        _gemma = CreateTestProbe("gemma");
        _qwen = CreateTestProbe("qwen");
    }

    [Fact]
    public void A_host_without_occupant_is_free_for_any_model()
    {
        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);

        _qwen.ExpectMsg<PingLeaseGranted>(g => g.Attempt == 1);
    }

    [Fact]
    public void A_host_is_free_for_its_occupant_and_busy_for_other_models()
    {
        _gate.Tell(new HostUsed(Host, "gemma"));

        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);

        Assert.Equal("gemma", _qwen.ExpectMsg<HostBusy>().Occupant);
        _gemma.ExpectMsg<PingLeaseGranted>();
    }

    [Fact]
    public void An_occupant_spelt_with_a_model_prefix_is_the_same_model()
    {
        _gate.Tell(new HostUsed(Host + "/", " model: gemma "));

        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);

        _gemma.ExpectMsg<PingLeaseGranted>();
        _qwen.ExpectMsg<HostBusy>();
    }

    [Fact]
    public void At_most_one_ping_lease_per_host_at_a_time()
    {
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
        _gate.Tell(new RequestPingLease(Host, Qwen, 7), _qwen);
        _gemma.ExpectMsg<PingLeaseGranted>();
        Assert.False(_qwen.HasMessages);

        _gate.Tell(new ReleasePingLease(Host, Gemma, 1));

        _qwen.ExpectMsg<PingLeaseGranted>(g => g.Attempt == 7);
    }

    [Fact]
    public void A_pair_asking_again_frees_the_lease_its_previous_incarnation_held()
    {
        // The pair's actor moved (handoff or a lost node) while it held the lease; its outcome never comes.
        var previous = CreateTestProbe("gemma-previous");
        _gate.Tell(new RequestPingLease(Host, Gemma, 5), previous);
        previous.ExpectMsg<PingLeaseGranted>();

        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);

        _gemma.ExpectMsg<PingLeaseGranted>(g => g.Attempt == 1);
    }

    [Fact]
    public void A_waiting_pair_that_asks_again_keeps_its_place_and_is_counted_deferred_once()
    {
        var deferred = 0L;
        using var listener = CountDeferrals(() => Interlocked.Increment(ref deferred));
        _gate.Tell(new RequestStarted(Host));
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);

        _gate.Tell(new RequestPingLease(Host, Gemma, 2), _gemma);
        _gate.Tell(new RequestFinished(Host));

        _gemma.ExpectMsg<PingLeaseGranted>(g => g.Attempt == 2);
        Assert.False(_qwen.HasMessages);
        Assert.Equal(2, Interlocked.Read(ref deferred));
    }

    [Fact]
    public void Pings_wait_while_a_real_request_is_in_flight()
    {
        _gate.Tell(new RequestStarted(Host));
        _gate.Tell(new RequestStarted(Host));
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);

        _gate.Tell(new RequestFinished(Host));
        Assert.False(_gemma.HasMessages);
        _gate.Tell(new RequestFinished(Host));

        _gemma.ExpectMsg<PingLeaseGranted>();
    }

    [Fact]
    public void A_waiting_ping_for_another_model_is_answered_busy_when_that_model_takes_the_host()
    {
        _gate.Tell(new RequestStarted(Host));
        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);

        _gate.Tell(new HostUsed(Host, "gemma"));

        _qwen.ExpectMsg<HostBusy>();
    }

    [Fact]
    public void A_lease_whose_result_is_lost_is_released_after_the_ping_timeout()
    {
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
        _gemma.ExpectMsg<PingLeaseGranted>();
        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);

        Advance(_settings.PingTimeout);
        Assert.False(_qwen.HasMessages);
        Advance(TimeSpan.FromSeconds(5));

        _qwen.ExpectMsg<PingLeaseGranted>();
    }

    [Fact]
    public void Requests_started_and_never_finished_stop_blocking_after_the_stale_timeout()
    {
        _gate.Tell(new RequestStarted(Host));
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);

        Advance(_settings.StaleRequestTimeout - TimeSpan.FromSeconds(1));
        Assert.False(_gemma.HasMessages);
        Advance(TimeSpan.FromSeconds(1));

        _gemma.ExpectMsg<PingLeaseGranted>();
    }

    private static System.Diagnostics.Metrics.MeterListener CountDeferrals(Action counted)
    {
        var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter.Name == KeepAliveMetrics.MeterName && instrument.Name == "keepalive.pings.deferred")
                    meterListener.EnableMeasurementEvents(instrument);
            },
        };
        // The gate runs on this thread (calling-thread dispatcher); other specs' gates may count at the same time.
        var thread = Environment.CurrentManagedThreadId;
        listener.SetMeasurementEventCallback<long>((_, _, _, _) =>
        {
            if (Environment.CurrentManagedThreadId == thread) counted();
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public void A_stale_release_does_not_free_anothers_lease()
    {
        _gate.Tell(new RequestPingLease(Host, Gemma, 2), _gemma);
        _gemma.ExpectMsg<PingLeaseGranted>();
        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);

        _gate.Tell(new ReleasePingLease(Host, Gemma, 1));

        Assert.False(_qwen.HasMessages);
        _gate.Tell(new GetHostStatus(Host), TestActor);
        Assert.Equal(Gemma, ExpectMsg<HostStatus>().LeaseHolder);
    }
}
