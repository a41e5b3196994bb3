using System.Net.Sockets;
using KeepAlive.HeapProbe;

/// <summary>
/// Loaded by the runtime before the host's Main when <c>DOTNET_STARTUP_HOOKS</c> names this assembly (the runtime
/// looks for a type of this name outside any namespace). When <see cref="HeapProbeClient.SocketVariable"/> names a
/// path, it listens there on a Unix socket and answers every connection with one <see cref="HeapReading"/>.
/// </summary>
public static class StartupHook
{
    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable(HeapProbeClient.SocketVariable);
        if (string.IsNullOrEmpty(path)) return;

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        _ = Task.Run(() => ServeAsync(listener));
    }

    private static async Task ServeAsync(Socket listener)
    {
        while (true)
        {
            using var connection = await listener.AcceptAsync();
            try
            {
                await using var writer = new StreamWriter(new NetworkStream(connection, ownsSocket: false));
                await writer.WriteLineAsync(HeapReading.AfterCompactingCollections().ToString());
            }
            catch (IOException)
            {
                // The bench went away before reading: the next connection is answered all the same.
            }
        }
    }
}
