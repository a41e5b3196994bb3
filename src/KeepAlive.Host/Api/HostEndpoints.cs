using KeepAlive.Host.Ui;
using StackExchange.Redis;

namespace KeepAlive.Host.Api;

/// <summary>
/// Every endpoint the host serves, registered and mapped in one place: Program uses it, and the spec that sweeps every
/// endpoint with bad input lists the routes through it, so an endpoint added here and missing from the sweep fails it.
/// </summary>
public static class HostEndpoints
{
    /// <summary>The services the endpoints need; <paramref name="redis"/> (when the schedule is in Redis) is checked for readiness.</summary>
    public static WebApplicationBuilder AddKeepAliveEndpoints(this WebApplicationBuilder builder, IConnectionMultiplexer? redis) =>
        builder.AddKeepAliveApi().AddKeepAliveStatusApi().AddKeepAliveObservability(redis);

    public static IEndpointRouteBuilder MapKeepAliveEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapKeepAliveObservability();
        app.MapKeepAliveApi();
        app.MapKeepAliveStatusApi();
        app.MapStatusPage();
        return app;
    }
}
