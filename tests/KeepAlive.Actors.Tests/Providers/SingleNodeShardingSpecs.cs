using Akka.Actor;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Providers;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using static KeepAlive.Actors.Providers.ProviderProtocol;

namespace KeepAlive.Actors.Tests.Providers;

/// <summary>
/// A real single-node cluster started through <c>WithKeepAlive</c>, pinging a fake model server over
/// real HTTP on 127.0.0.1, in real time.
/// </summary>
public sealed class SingleNodeShardingSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private FakeModelServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task RecordUsage_told_to_the_region_reaches_the_pairs_own_actor_and_pings_it()
    {
        // Two hosts: on one host only the model used last may be pinged.
        await using var ollama = await FakeModelServer.StartAsync();
        var gemma = Provider("gemma", "vllm");
        var llama = Provider("llama", "ollama", ollama.Host);
        await using var node = await StartNode(new TestNodeOptions { Catalog = Catalog(gemma, llama) });

        node.Providers.Tell(new RecordUsage("gemma", _server.Host, "1s"));
        node.Providers.Tell(new RecordUsage("model: llama ", ollama.Host + "/", "2s"));

        var gemmaStatus = await node.StatusAsync(ProviderKey.From("gemma", _server.Host));
        // The pair keeps the router's spelling (the Redis keys use it); the provider lookup normalises it.
        var llamaStatus = await node.StatusAsync(ProviderKey.From("model: llama ", ollama.Host + "/"));
        Assert.Equal((1L, 2L), (gemmaStatus.KeepAliveSeconds, llamaStatus.KeepAliveSeconds));
        await _server.WaitForRequestsAsync(r => r.Path == FakeModelServer.ChatCompletionsPath && r.Model == "gemma", 1, Generous);
        await ollama.WaitForRequestsAsync(r => r.Path == FakeModelServer.OllamaChatPath && r.Model == "llama", 1, Generous);
    }

    [Fact]
    public async Task A_pair_that_only_pings_keeps_pinging_past_the_passivation_timeout()
    {
        await using var node = await StartNode(new TestNodeOptions
        {
            Catalog = Catalog(Provider("gemma", "vllm")),
            ExtraHocon = "akka.cluster.sharding.passivate-idle-entity-after = 1s",
        });

        node.Providers.Tell(new RecordUsage("gemma", _server.Host, "1s"));

        // One usage, then only the pair's own timer: five pings need the entity alive for 5 passivation timeouts.
        await _server.WaitForRequestsAsync(r => r.Model == "gemma", 5, Generous);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("timeout")]
    [InlineData("refused")]
    public async Task A_failed_ping_counts_as_a_failure_and_backs_off(string failure)
    {
        var host = failure == "refused" ? $"http://127.0.0.1:{TestHttp.ClosedLoopbackPort()}" : _server.Host;
        if (failure == "status") _server.Respond("gemma", FakeResponse.Status(500));
        if (failure == "timeout") _server.Respond("gemma", FakeResponse.Hang());
        await using var node = await StartNode(new TestNodeOptions
        {
            Catalog = Catalog(Provider("gemma", "vllm", host)),
            Settings = new KeepAliveSettings { FirstRetryDelay = TimeSpan.FromMilliseconds(200), PingTimeout = TimeSpan.FromMilliseconds(500) },
        });
        var pair = ProviderKey.From("gemma", host);

        node.Providers.Tell(new RecordUsage("gemma", host, "1s"));

        var status = await Eventually(() => node.StatusAsync(pair), s => s.ConsecutiveFailures >= 2);
        Assert.False(status.LastPing!.Succeeded);
        Assert.Contains(failure switch { "status" => "HttpStatus", "timeout" => "Timeout", _ => "ConnectionRefused" }, status.LastPing.Failure);
    }

    private static async Task<ProviderStatus> Eventually(Func<Task<ProviderStatus>> read, Func<ProviderStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (true)
        {
            var status = await read();
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Condition not met within {Generous}; last status: {status}");
            await Task.Delay(100);
        }
    }

    private static Task<KeepAliveTestNode> StartNode(TestNodeOptions options) => KeepAliveTestNode.StartAsync(options);

    private ProviderConfig Provider(string model, string apiType, string? host = null) =>
        new(model, $"{model}-1", apiType, host ?? _server.Host, "", "", "1s", KeepAliveMode.Chat);

    private static ProviderCatalog Catalog(params ProviderConfig[] providers) => new(providers, [], "test");
}
