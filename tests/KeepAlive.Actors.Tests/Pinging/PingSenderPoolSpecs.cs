using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;
using static KeepAlive.Testing.TestProviders;

namespace KeepAlive.Actors.Tests.Pinging;

public sealed class PingSenderPoolSpecs(ITestOutputHelper output) : ModelServerTestKit(output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Backend_hanging_for_the_whole_timeout_does_not_delay_other_pairs_pings()
    {
        var timeout = TimeSpan.FromSeconds(3);
        var pool = Sys.ActorOf(PingSenderPool.Props(TestHttp.ClientFactory, timeout, size: 2, new SettableStanding()));
        var slow = Provider("vllm", Server.Host, model: "slow-model");
        Server.Respond("slow-model", FakeResponse.Hang());
        var slowProbe = CreateTestProbe();

        pool.Tell(Ping(slow), slowProbe);
        await Server.WaitForRequestsAsync(r => r.Model == "slow-model");
        // With two routees, one of these lands on the routee whose ping is hanging.
        var fast = Enumerable.Range(1, 3).Select(i => Provider("vllm", Server.Host, model: $"fast-model-{i}")).ToArray();
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
