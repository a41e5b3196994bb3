using Akka.Cluster.Hosting;
using Akka.Hosting;
using KeepAlive.Actors;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using StackExchange.Redis;

namespace KeepAlive.Host.Api;

/// <summary>Health (<c>/healthz</c>, <c>/readyz</c>) and Prometheus metrics (<c>/metrics</c>).</summary>
public static class Observability
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    public const string MetricsPath = "/metrics";

    private const string LiveTag = "live";
    private const string ReadyTag = "ready";

    /// <summary>OpenTelemetry metrics of the <see cref="KeepAliveMetrics.MeterName"/> meter, exported for Prometheus; the health check service.</summary>
    public static WebApplicationBuilder AddKeepAliveObservability(this WebApplicationBuilder builder, IConnectionMultiplexer? redis)
    {
        var health = builder.Services.AddHealthChecks();
        if (redis is not null) health.AddCheck("redis", new RedisHealthCheck(redis), tags: [ReadyTag]);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(KeepAliveMetrics.MeterName)
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Liveness: the ActorSystem runs. Readiness: this node is an Up cluster member.</summary>
    public static AkkaConfigurationBuilder WithKeepAliveHealthChecks(this AkkaConfigurationBuilder akka) => akka
        .WithActorSystemLivenessCheck(tags: [LiveTag, ReadyTag])
        .WithAkkaClusterReadinessCheck(tags: [ReadyTag]);

    public static IEndpointRouteBuilder MapKeepAliveObservability(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag), ResponseWriter = WriteJsonAsync });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteJsonAsync });
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>
    /// Each check's status and description, so an operator sees which one failed (descriptions hold no
    /// secrets), and the build, so one can tell which version a node runs.
    /// </summary>
    private static Task WriteJsonAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            version = BuildInfo.Current.Version,
            commit = BuildInfo.Current.Commit,
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        });

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0} ms");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The message names the endpoint, never the password of the connection string.
                return HealthCheckResult.Unhealthy($"Redis unreachable: {ex.GetType().Name}");
            }
        }
    }
}
