using Akka.Actor;
using Akka.TestKit;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Hosts.HostGateProtocol;

namespace KeepAlive.Actors.Tests.Hosts;

/// <summary>A host gate with a second opinion (the router's occupancy): the spec answers each check when it chooses.</summary>
public sealed class HostFreeCheckSpecs : VirtualTimeSpecs
{
    private const string Host = "http://127.0.0.1:7000";
    private static readonly PairKey Gemma = PairKey.From("gemma", Host);
    private static readonly PairKey Qwen = PairKey.From("qwen", Host);

    private readonly KeepAliveSettings _settings = new() { PingTimeout = TimeSpan.FromSeconds(60) };
    private readonly ControlledCheck _check = new();
    private readonly IActorRef _gate;
    private readonly TestProbe _gemma;
    private readonly TestProbe _qwen;

    public HostFreeCheckSpecs(ITestOutputHelper output) : base(output)
    {
        _gate = StartSynchronous(HostGateActor.Props(Host, _settings, _check));
        _gemma = CreateTestProbe("gemma");
        _qwen = CreateTestProbe("qwen");
    }

    [Fact]
    public void The_check_is_asked_with_the_pairs_host_and_model_and_a_free_answer_grants_the_lease()
    {
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
        Assert.False(_gemma.HasMessages);

        _check.Answer(HostCheck.IsFree);

        _gemma.ExpectMsg<PingLeaseGranted>(g => g.Attempt == 1);
        Assert.Equal((Host, "gemma"), Assert.Single(_check.Asked));
    }

    [Fact]
    public void A_busy_answer_is_a_busy_skip_naming_the_occupant_and_the_next_waiter_is_checked()
    {
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
        _gate.Tell(new RequestPingLease(Host, Qwen, 3), _qwen);

        _check.Answer(HostCheck.BusyWith("qwen"));

        var busy = _gemma.ExpectMsg<HostBusy>();
        Assert.Equal(("qwen", 1L), (busy.Occupant, busy.Attempt));
        _check.Answer(HostCheck.IsFree);
        _qwen.ExpectMsg<PingLeaseGranted>(g => g.Attempt == 3);
    }

    [Fact]
    public void Nothing_else_is_granted_while_a_check_runs()
    {
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
        _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);

        Assert.Single(_check.Asked);
        Assert.False(_qwen.HasMessages);
        _gate.Tell(new GetHostStatus(Host), TestActor);
        var status = ExpectMsg<HostStatus>();
        Assert.Equal((Gemma, 1), (status.LeaseHolder, status.Waiting));
    }

    [Fact]
    public void A_check_that_fails_lets_the_ping_go_by_the_gates_own_view_and_warns_once()
    {
        EventFilter.Warning(contains: "the router's occupancy cannot be read").Expect(1, () =>
        {
            _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);
            _check.Fail(new InvalidOperationException("connection refused"));
            _gemma.ExpectMsg<PingLeaseGranted>();
            _gate.Tell(new ReleasePingLease(Host, Gemma, 1));

            _gate.Tell(new RequestPingLease(Host, Qwen, 1), _qwen);
            _check.Fail(new InvalidOperationException("connection refused"));
            _qwen.ExpectMsg<PingLeaseGranted>();
        });
    }

    [Fact]
    public void An_answer_that_comes_after_the_lease_expired_answers_nobody()
    {
        _gate.Tell(new RequestPingLease(Host, Gemma, 1), _gemma);

        Advance(_settings.PingOutcomeDeadline);
        _check.Answer(HostCheck.IsFree);

        Assert.False(_gemma.HasMessages);
        _gate.Tell(new GetHostStatus(Host), TestActor);
        Assert.Null(ExpectMsg<HostStatus>().LeaseHolder);
    }

    [Fact]
    public async Task A_routers_own_rule_as_a_delegate_is_a_check()
    {
        var callback = new HostFreeCallback((host, model) => Task.FromResult(model == "gemma" && host == Host));

        Assert.Equal(HostCheck.IsFree, await callback.CheckAsync(Host, "gemma"));
        Assert.False((await callback.CheckAsync(Host, "qwen")).Free);
    }

    /// <summary>Records what it is asked; each check completes when the spec says, oldest first.</summary>
    private sealed class ControlledCheck : IHostFreeCheck
    {
        private readonly Queue<TaskCompletionSource<HostCheck>> _pending = new();

        public List<(string Host, string Model)> Asked { get; } = new();

        public Task<HostCheck> CheckAsync(string host, string model)
        {
            Asked.Add((host, model));
            var answer = new TaskCompletionSource<HostCheck>();
            _pending.Enqueue(answer);
            return answer.Task;
        }

        public void Answer(HostCheck check) => _pending.Dequeue().SetResult(check);

        public void Fail(Exception failure) => _pending.Dequeue().SetException(failure);
    }
}
