using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>HTTP plumbing for tests that send real requests to 127.0.0.1.</summary>
public static class TestHttp
{
    /// <summary>A plain <see cref="IHttpClientFactory"/>, as a host without extra handler settings has.</summary>
    public static IHttpClientFactory ClientFactory { get; } =
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();

    /// <summary>A 127.0.0.1 port that was just bound and released, so nothing listens on it.</summary>
    public static int ClosedLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
