using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Pairs;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Usage;

/// <summary>The usage recorder against probes standing in for the shard regions, which confirm or hold what they get.</summary>
public sealed class UsageRecorderSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly TestProbe _providers;
    private readonly TestProbe _hostGates;
    private readonly List<(IActorRef Sender, object Command)> _held = [];
    private volatile bool _confirm = true;

    public UsageRecorderSpecs(ITestOutputHelper output) : base(output: output)
    {
        _providers = CreateTestProbe("providers");
        _hostGates = CreateTestProbe("host-gates");
        foreach (var region in new[] { _providers, _hostGates })
        {
            region.SetAutoPilot(new DelegateAutoPilot((sender, command) =>
            {
                if (_confirm) sender.Tell(Confirmed.Instance);
                else lock (_held) _held.Add((sender, command));
                return AutoPilot.KeepRunning;
            }));
        }
    }

    [Fact]
    public async Task Usage_is_taken_once_every_pair_confirmed_it_and_each_is_asked_with_confirm()
    {
        var recorder = Recorder();
        var usages = Enumerable.Range(0, 3).Select(i => new RecordUsage($"model-{i}", "http://h", "1m")).ToList();

        var outcome = await recorder.RecordAsync(usages);

        Assert.Equal(new DeliveryOutcome.Taken(3), outcome);
        var asked = Enumerable.Range(0, 3).Select(_ => _providers.ExpectMsg<RecordUsage>()).ToList();
        Assert.Equal(usages.Select(u => u with { Confirm = true }), asked);
        Assert.Equal(0, recorder.Unconfirmed);
    }

    [Fact]
    public async Task Past_the_bound_a_call_is_refused_at_once_and_nothing_of_it_is_sent()
    {
        var recorder = Recorder(new UsageRecorderSettings { MaxUnconfirmed = 4, RetryAfter = TimeSpan.FromSeconds(2) });
        _confirm = false;
        var first = recorder.RecordAsync([Usage("a"), Usage("b"), Usage("c")]);
        AwaitCondition(() => Held() == 3);

        _providers.ReceiveN(3);

        var refused = await recorder.RecordAsync([Usage("d"), Usage("e")]);

        var outcome = Assert.IsType<DeliveryOutcome.Refused>(refused);
        Assert.Equal(TimeSpan.FromSeconds(2), outcome.RetryAfter);
        Assert.Contains("3 command(s) in flight", outcome.Reason);
        _providers.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, Held());

        ConfirmHeld();
        Assert.Equal(new DeliveryOutcome.Taken(3), await first);
        _confirm = true;
        Assert.Equal(new DeliveryOutcome.Taken(2), await recorder.RecordAsync([Usage("d"), Usage("e")]));
    }

    [Fact]
    public async Task A_call_larger_than_the_bound_is_taken_when_nothing_else_is_in_flight()
    {
        var recorder = Recorder(new UsageRecorderSettings { MaxUnconfirmed = 2 });

        Assert.Equal(new DeliveryOutcome.Taken(5), await recorder.RecordAsync(Enumerable.Range(0, 5).Select(i => Usage($"m{i}")).ToList()));
    }

    [Fact]
    public async Task Commands_not_confirmed_in_time_are_reported_unconfirmed_and_leave_the_bound()
    {
        var recorder = Recorder(new UsageRecorderSettings { ConfirmTimeout = TimeSpan.FromMilliseconds(300) });
        _confirm = false;

        var outcome = await recorder.RecordAsync([Usage("a")]);

        Assert.IsType<DeliveryOutcome.Unconfirmed>(outcome);
        Assert.Equal(0, recorder.Unconfirmed);
    }

    [Fact]
    public async Task Unregister_and_host_requests_go_to_their_regions_asked_with_confirm()
    {
        var recorder = Recorder();
        var pair = PairKey.From("gemma", "http://h");

        Assert.Equal(new DeliveryOutcome.Taken(1), await recorder.UnregisterAsync(pair));
        Assert.Equal(new DeliveryOutcome.Taken(1), await recorder.RequestStartedAsync("http://h"));
        Assert.Equal(new DeliveryOutcome.Taken(1), await recorder.RequestFinishedAsync("http://h"));

        Assert.Equal(new Unregister(pair) { Confirm = true }, _providers.ExpectMsg<Unregister>());
        Assert.Equal(new HostGateProtocol.RequestStarted("http://h") { Confirm = true }, _hostGates.ExpectMsg<HostGateProtocol.RequestStarted>());
        Assert.Equal(new HostGateProtocol.RequestFinished("http://h") { Confirm = true }, _hostGates.ExpectMsg<HostGateProtocol.RequestFinished>());
    }

    [Fact]
    public async Task A_host_request_naming_a_host_over_the_name_limit_is_refused_and_nothing_is_sent()
    {
        var recorder = Recorder();
        var (atLimit, overLimit) = (LongNames.OfBytes(PairKey.MaxNameBytes, "http://"), LongNames.OfBytes(PairKey.MaxNameBytes + 1, "http://"));

        var started = await Assert.ThrowsAsync<ArgumentException>(() => recorder.RequestStartedAsync(overLimit));
        var finished = await Assert.ThrowsAsync<ArgumentException>(() => recorder.RequestFinishedAsync(overLimit));
        Assert.Equal(new DeliveryOutcome.Taken(1), await recorder.RequestStartedAsync(atLimit));

        Assert.All([started, finished], refused => Assert.Equal("host", refused.ParamName));
        Assert.StartsWith("The host is 1,025 bytes long in UTF-8", started.Message);
        // The gate receives in order: the first command it got is the one sent after the refused ones.
        Assert.Equal(atLimit, _hostGates.ExpectMsg<HostGateProtocol.RequestStarted>().Host);
        Assert.Equal(0, recorder.Unconfirmed);
    }

    private UsageRecorder Recorder(UsageRecorderSettings? settings = null)
    {
        var registry = new ActorRegistry();
        registry.Register<PairRegion>(_providers);
        registry.Register<HostGateRegion>(_hostGates);
        return new UsageRecorder(
            new RequiredActor<PairRegion>(registry), new RequiredActor<HostGateRegion>(registry), (settings ?? new UsageRecorderSettings()).Validate());
    }

    private static RecordUsage Usage(string model) => new(model, "http://h", "1m");

    private int Held()
    {
        lock (_held) return _held.Count;
    }

    private void ConfirmHeld()
    {
        lock (_held)
        {
            foreach (var (sender, _) in _held) sender.Tell(Confirmed.Instance);
            _held.Clear();
        }
    }
}
