namespace KeepAlive.Host.Api;

/// <summary>
/// Every endpoint the host serves, mapped in one place: Program maps them with it, and the spec that sweeps every
/// endpoint with bad input lists the routes through it, so an endpoint added here and missing from the sweep fails it.
/// </summary>
public static class HostEndpoints
{
    public static IEndpointRouteBuilder MapKeepAliveEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapKeepAliveObservability();
        app.MapKeepAliveApi();
        return app;
    }
}
