using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// The harness's own redis-server on a free 127.0.0.1 port, without persistence, killed on dispose.
/// Minimal on purpose: the tests' fixture is an xunit collection fixture the bench cannot reference cleanly.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public static async Task<RedisServer> StartAsync()
    {
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("keepalive-bench-redis-").FullName;
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory },
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server (is it on PATH?).");
        // Its banner is not needed, but an unread pipe would eventually block the server.
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var server = new RedisServer(process, port, directory);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=true,connectTimeout=500");
                return server;
            }
            catch (RedisConnectionException) when (waited.Elapsed < StartBound && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>A connection of the harness's own (admin, for INFO), apart from the one the node uses.</summary>
    public Task<ConnectionMultiplexer> ConnectAdminAsync() =>
        ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true");

    /// <summary>Calls per command since the server started (<c>INFO commandstats</c>), e.g. <c>hset</c> → 1200.</summary>
    public static async Task<Dictionary<string, long>> CommandCallsAsync(IConnectionMultiplexer admin)
    {
        var server = admin.GetServers().Single();
        var calls = new Dictionary<string, long>();
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var (key, value) in group)
            {
                if (!key.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
                var field = value.Split(',').First(f => f.StartsWith("calls=", StringComparison.Ordinal));
                calls[key["cmdstat_".Length..]] = long.Parse(field["calls=".Length..]);
            }
        }
        return calls;
    }

    /// <summary>Per-command deltas, without the harness's own INFO calls.</summary>
    public static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Where(kv => kv.Key != "info")
            .Select(kv => (kv.Key, Calls: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Calls > 0)
            .ToDictionary(kv => kv.Key, kv => kv.Calls);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
