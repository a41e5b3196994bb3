using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Tests.Api;
using KeepAlive.Actors.Tests.Fixtures;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Router;

/// <summary>
/// <c>--router-occupancy</c>: the real host on a real redis-server where llm-router's strategy records which model it
/// last sent to each host (written here with raw commands as the router writes them), and a fake model server.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RouterOccupancySpecs(RedisServerFixture redis, ITestOutputHelper output)
{
    private const string Model = "google/gemma-3-12b-it";

    [Theory]
    [InlineData("http://192.168.1.5:8000", "host:http___192_168_1_5_8000")]
    [InlineData("https://gpu-01.lab.local/v1", "host:https___gpu_01_lab_local_v1")]
    [InlineData("a,b;c d\te\nf", "host:a_b_c_d_e_f")]
    public void The_key_is_the_routers_host_key(string host, string key)
    {
        Assert.Equal(key, RouterRedisOccupancy.KeyOf(host));
    }

    [Theory]
    [InlineData(" model:gemma ", "gemma")]
    [InlineData("host:gemma", "gemma")]
    [InlineData("model: host:gemma", "host:gemma")]
    [InlineData(null, "")]
    public void Model_names_are_compared_as_the_router_normalizes_them(string? stored, string normalized)
    {
        Assert.Equal(normalized, RouterRedisOccupancy.Normalize(stored));
    }

    [Fact]
    public async Task A_host_the_router_gave_to_another_model_is_skipped_busy_until_the_router_gives_it_back()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var raw = await redis.ConnectAsync();
        var occupancy = RouterRedisOccupancy.KeyOf(server.Host);
        await raw.GetDatabase().HashSetAsync(occupancy, "model", "Qwen/Qwen3-8B");
        await using var host = await HostProcess.StartAsync(
            ["--models-config", ApiHost.WriteModelsConfig([new TestProvider(Model, server)]),
             "--redis", redis.ConnectionString, "--redis-prefix", RedisServerFixture.NewKeyPrefix(), "--router-occupancy"],
            echo: output.Sink());
        await host.WaitUntilReadyAsync();

        await host.PostUsageAsync(Model, server.Host, "1s");

        await host.WaitForPairAsync(Model, server.Host, pair => pair.Text("last_skip") == "host busy with Qwen/Qwen3-8B", "skipped as busy with the router's occupant");
        Assert.Empty(server.Requests);

        // The router's strategy writes the name normalized; any spelling it would read back as this model frees the host.
        await raw.GetDatabase().HashSetAsync(occupancy, "model", "model:" + Model);

        await server.WaitForRequestsAsync(r => r.Model == Model, 1, ApiHost.Patience);
    }
}
