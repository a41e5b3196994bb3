using Akka.Actor;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Pairs;

/// <summary>
/// A real single-node cluster started through <c>WithKeepAlive</c>, pinging a fake model server over
/// real HTTP on 127.0.0.1, in real time.
/// </summary>
public sealed class SingleNodeShardingSpecs(ITestOutputHelper output) : ModelServerSpecs
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RecordUsage_told_to_the_region_reaches_the_pairs_own_actor_and_pings_it()
    {
        // Two hosts: on one host only the model used last may be pinged.
        await using var ollama = await FakeModelServer.StartAsync();
        var gemma = Provider("gemma", "vllm");
        var llama = Provider("llama", "ollama", ollama.Host);
        await using var node = await StartNode(new TestNodeOptions { Catalog = TestProviders.Catalog(gemma, llama) });

        node.Pairs.Tell(new RecordUsage("gemma", Server.Host, "1s"));
        node.Pairs.Tell(new RecordUsage("model: llama ", ollama.Host + "/", "2s"));

        var gemmaStatus = await node.StatusAsync(PairKey.From("gemma", Server.Host));
        // The pair keeps the router's spelling (the Redis keys use it); the provider lookup normalises it.
        var llamaStatus = await node.StatusAsync(PairKey.From("model: llama ", ollama.Host + "/"));
        Assert.Equal((1L, 2L), (gemmaStatus.KeepAliveSeconds, llamaStatus.KeepAliveSeconds));
        await Server.WaitForRequestsAsync(r => r.Path == PingRequestFactory.ChatCompletionsPath && r.Model == "gemma", 1, Generous);
        await ollama.WaitForRequestsAsync(r => r.Path == PingRequestFactory.OllamaChatPath && r.Model == "llama", 1, Generous);
    }

    [Fact]
    public async Task A_pair_that_only_pings_keeps_pinging_past_the_passivation_timeout()
    {
        await using var node = await StartNode(new TestNodeOptions
        {
            Catalog = TestProviders.Catalog(Provider("gemma", "vllm")),
            ExtraHocon = "akka.cluster.sharding.passivate-idle-entity-after = 1s",
        });

        node.Pairs.Tell(new RecordUsage("gemma", Server.Host, "1s"));

        // One usage, then only the pair's own timer: five pings need the entity alive for 5 passivation timeouts.
        await Server.WaitForRequestsAsync(r => r.Model == "gemma", 5, Generous);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("timeout")]
    [InlineData("refused")]
    public async Task A_failed_ping_counts_as_a_failure_and_backs_off(string failure)
    {
        var host = failure == "refused" ? $"http://127.0.0.1:{TestHttp.FreeLoopbackPort()}" : Server.Host;
        if (failure == "status") Server.Respond("gemma", FakeResponse.Status(500));
        if (failure == "timeout") Server.Respond("gemma", FakeResponse.Hang());
        await using var node = await StartNode(new TestNodeOptions
        {
            Catalog = TestProviders.Catalog(Provider("gemma", "vllm", host)),
            Settings = new KeepAliveSettings { FirstRetryDelay = TimeSpan.FromMilliseconds(200), PingTimeout = TimeSpan.FromMilliseconds(500) },
        });
        var pair = PairKey.From("gemma", host);

        node.Pairs.Tell(new RecordUsage("gemma", host, "1s"));

        var status = await Eventually.ValueAsync(() => node.StatusAsync(pair), s => s.ConsecutiveFailures >= 2, Generous, "two failed pings");
        Assert.False(status.LastPing!.Succeeded);
        Assert.Contains(failure switch { "status" => "HttpStatus", "timeout" => "Timeout", _ => "ConnectionRefused" }, status.LastPing.Failure);
    }

    private Task<KeepAliveTestNode> StartNode(TestNodeOptions options) => KeepAliveTestNode.StartAsync(options with { Log = output.Sink() });

    private ProviderConfig Provider(string model, string apiType, string? host = null) =>
        TestProviders.Provider(apiType, host ?? Server.Host, model, keepAlive: "1s");
}
