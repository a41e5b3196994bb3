using System.Net.Sockets;

namespace KeepAlive.HeapProbe;

/// <summary>The bench's side of the probe: how to load it into a process, and how to read that process's heap.</summary>
public static class HeapProbeClient
{
    public const string SocketVariable = "KEEPALIVE_HEAP_PROBE_SOCKET";

    /// <summary>Environment variables that load the probe into a .NET process, listening at <paramref name="socketPath"/>.</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentFor(string socketPath) => new Dictionary<string, string>
    {
        ["DOTNET_STARTUP_HOOKS"] = typeof(HeapProbeClient).Assembly.Location,
        [SocketVariable] = socketPath,
    };

    /// <summary>Makes the process at <paramref name="socketPath"/> collect and compact, and returns what survived.</summary>
    public static async Task<HeapReading> ReadAsync(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var reader = new StreamReader(new NetworkStream(socket, ownsSocket: false));
        return HeapReading.Parse(await reader.ReadLineAsync() ?? throw new IOException($"The heap probe at {socketPath} closed without an answer."));
    }
}
