using System.Net;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;

namespace KeepAlive.Actors.Tests.Api;

[Collection(RedisCollection.Name)]
public sealed class RedisReadinessSpecs(RedisServerFixture redis)
{
    [Fact]
    public async Task Readiness_follows_the_reachability_of_redis_while_liveness_stays()
    {
        await using var host = await HostProcess.StartAsync(
            ["--redis", redis.ConnectionString, "--redis-prefix", RedisServerFixture.NewKeyPrefix()]);
        await host.WaitUntilReadyAsync();

        try
        {
            await redis.StopAsync();
            await Eventually.HoldsAsync(async () => (await host.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable,
                ApiHost.Patience, "readiness to fail without Redis");
            var ready = await (await host.Http.GetAsync("/readyz")).JsonAsync();
            Assert.Equal("Unhealthy", ready.GetProperty("checks").GetProperty("redis").Text("status"));
            Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/healthz")).StatusCode);
        }
        finally
        {
            await redis.RestartAsync();
        }

        await host.WaitUntilReadyAsync();
    }
}
