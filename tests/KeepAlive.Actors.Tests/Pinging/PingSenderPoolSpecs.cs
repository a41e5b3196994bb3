using Akka.Actor;
using Akka.TestKit.Xunit2;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;
using static KeepAlive.Actors.Tests.Pinging.TestProviders;

namespace KeepAlive.Actors.Tests.Pinging;

public sealed class PingSenderPoolSpecs : TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);

    private FakeModelServer _server = null!;

    public PingSenderPoolSpecs(ITestOutputHelper output)
        : base(output: output)
    {
    }

    public async Task InitializeAsync() => _server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Backend_hanging_for_the_whole_timeout_does_not_delay_other_pairs_pings()
    {
        var timeout = TimeSpan.FromSeconds(3);
        var pool = Sys.ActorOf(PingSenderPool.Props(TestHttp.ClientFactory, timeout, size: 2));
        var slow = Provider("vllm", _server.Host, model: "slow-model");
        _server.Respond("slow-model", FakeResponse.Hang());
        var slowProbe = CreateTestProbe();

        pool.Tell(Ping(slow), slowProbe);
        await _server.WaitForRequestsAsync(r => r.Model == "slow-model");
        // With two routees, one of these lands on the routee whose ping is hanging.
        var fast = Enumerable.Range(1, 3).Select(i => Provider("vllm", _server.Host, model: $"fast-model-{i}")).ToArray();
        foreach (var provider in fast) pool.Tell(Ping(provider), TestActor);

        var answered = await ReceiveNAsync(fast.Length, TimeSpan.FromSeconds(1)).Cast<IPingOutcome>().ToListAsync();

        Assert.All(answered, outcome => Assert.IsType<PingSucceeded>(outcome));
        Assert.Equal(fast.Select(PairOf).ToHashSet(), answered.Select(o => o.Pair).ToHashSet());
        await slowProbe.ExpectNoMsgAsync(TimeSpan.Zero);
        var slowFailure = await slowProbe.ExpectMsgAsync<PingFailed>(timeout * 2);
        Assert.Equal(PingFailureReason.Timeout, slowFailure.Reason);
        Assert.Equal(PairOf(slow), slowFailure.Pair);
    }

    private static SendPing Ping(ProviderConfig provider) =>
        new(PairOf(provider), PingRequestFactory.Create(provider, Interval, new KeepAliveSettings())!);
}
