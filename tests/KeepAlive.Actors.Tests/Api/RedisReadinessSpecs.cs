using System.Net;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Api;

[Collection(RedisCollection.Name)]
public sealed class RedisReadinessSpecs(RedisServerFixture redis, ITestOutputHelper output)
{
    [Fact]
    public async Task Readiness_follows_the_reachability_of_redis_while_liveness_stays()
    {
        await using var host = await HostProcess.StartAsync(
            ["--redis", redis.ConnectionString, "--redis-prefix", RedisServerFixture.NewKeyPrefix()], echo: output.Sink());
        await host.WaitUntilReadyAsync();

        try
        {
            await redis.StopAsync();
            await Eventually.HoldsAsync(async () => (await host.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable,
                ApiHost.Patience, "readiness to fail without Redis");
            var ready = await (await host.Http.GetAsync("/readyz")).JsonAsync();
            Assert.Equal("Unhealthy", ready.GetProperty("checks").GetProperty("redis").Text("status"));

            // Usage goes on from memory; its schedule change waits, and the backlog shows in /metrics.
            await host.PostUsageAsync("during-outage", "http://10.255.255.1:9", "1h");
            await Eventually.HoldsAsync(async () => Gauge(await host.Http.GetStringAsync("/metrics"), "keepalive_store_lag_seconds") > 1,
                ApiHost.Patience, "the store lag to grow past the flush interval");
            await Eventually.HoldsAsync(async () => Gauge(await host.Http.GetStringAsync("/metrics"), "keepalive_store_pending") >= 1,
                ApiHost.Patience, "the change to wait in the backlog");
            Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/healthz")).StatusCode);
        }
        finally
        {
            await redis.RestartAsync();
        }

        await host.WaitUntilReadyAsync();
        await Eventually.HoldsAsync(async () => Gauge(await host.Http.GetStringAsync("/metrics"), "keepalive_store_lag_seconds") == 0,
            ApiHost.Patience, "the backlog to drain once Redis is back");
    }

    /// <summary>The value of a gauge without extra labels in a Prometheus scrape; NaN when absent.</summary>
    private static double Gauge(string scrape, string name) =>
        scrape.Split('\n').FirstOrDefault(line => line.StartsWith(name + "{", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)
            : double.NaN;
}
