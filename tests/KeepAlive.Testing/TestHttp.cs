using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace KeepAlive.Testing;

/// <summary>HTTP and port plumbing for code that talks to 127.0.0.1.</summary>
public static class TestHttp
{
    /// <summary>A plain <see cref="IHttpClientFactory"/>, as a host without extra handler settings has.</summary>
    public static IHttpClientFactory ClientFactory { get; } =
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();

    /// <summary>
    /// A 127.0.0.1 port that was just bound and released: nothing listens on it (a connection is refused),
    /// and a server can bind it, unless someone else took it meanwhile.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
