using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace KeepAlive.Testing;

/// <summary>
/// A real <c>redis-server</c> process on a free 127.0.0.1 port, without persistence, except that
/// <see cref="ShutdownSavingDataAsync"/> saves the data for <see cref="StartWithSavedDataAsync"/>. It can be stopped
/// and restarted on the same port to test outages. Users of one server keep apart by key prefix (<see cref="NewKeyPrefix"/>).
/// </summary>
public class RedisServer : IAsyncDisposable
{
    private const string Executable = "redis-server";
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(30);

    private readonly string _executable = FindOnPath(Executable);
    private readonly string _directory = Directory.CreateTempSubdirectory("keepalive-redis-").FullName;
    private Process? _server;

    /// <summary>Not started yet: <see cref="StartAsync"/> starts one, or a subclass calls <see cref="StartOnFreePortAsync"/>.</summary>
    protected RedisServer()
    {
    }

    /// <summary>The port, the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>StackExchange.Redis configuration that keeps reconnecting through outages.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=5000,asyncTimeout=5000";

    public bool IsRunning => _server is { HasExited: false };

    /// <summary>A key prefix no other user of the server has.</summary>
    public static string NewKeyPrefix() => $"test-{Guid.NewGuid():N}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer();
        try
        {
            await server.StartOnFreePortAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new multiplexer (the caller disposes it); <paramref name="allowAdmin"/> for CONFIG, INFO and the like.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync(bool allowAdmin = false) =>
        await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin={(allowAdmin ? "true" : "false")}");

    /// <summary>Calls per command since the server started or its stats were reset (<c>INFO commandstats</c>), e.g. <c>hset</c> → 1200.</summary>
    /// <param name="admin">A connection made with <c>allowAdmin</c>.</param>
    public static async Task<Dictionary<string, long>> CommandCallsAsync(IConnectionMultiplexer admin)
    {
        var calls = new Dictionary<string, long>();
        foreach (var group in await admin.GetServers().Single().InfoAsync("commandstats"))
        {
            foreach (var (key, value) in group)
            {
                if (!key.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
                var field = value.Split(',').First(f => f.StartsWith("calls=", StringComparison.Ordinal));
                calls[key["cmdstat_".Length..]] = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
            }
        }
        return calls;
    }

    /// <summary>Calls per command between two <see cref="CommandCallsAsync"/>, without the INFO calls that read them.</summary>
    public static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Where(kv => kv.Key != "info")
            .Select(kv => (kv.Key, Calls: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Calls > 0)
            .ToDictionary(kv => kv.Key, kv => kv.Calls);

    /// <summary>Kills the server (as a crash would); clients see the connection drop.</summary>
    public async Task StopAsync()
    {
        if (_server is null) return;
        if (!_server.HasExited) _server.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync();
        _server.Dispose();
        _server = null;
    }

    /// <summary>Stops the server if it runs, then starts an empty one on the same port (no persistence: the data is gone).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        File.Delete(SavedData);
        await StartOnPortAsync();
    }

    /// <summary>
    /// Stops the server as a persistent Redis is stopped for maintenance: it saves its data (<c>SHUTDOWN SAVE</c>),
    /// drops its clients and exits. <see cref="StartWithSavedDataAsync"/> brings it back with that data.
    /// </summary>
    public async Task ShutdownSavingDataAsync()
    {
        if (_server is null) return;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, Port);
            await client.GetStream().WriteAsync("SHUTDOWN SAVE\r\n"u8.ToArray());
            await _server.WaitForExitAsync().WaitAsync(StartBound);
        }
        await StopAsync();
    }

    /// <summary>Starts the server again on the same port with the data saved by <see cref="ShutdownSavingDataAsync"/>.</summary>
    public Task StartWithSavedDataAsync() => StartOnPortAsync();

    /// <summary>Stops the server and deletes its folder. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    protected async Task StartOnFreePortAsync()
    {
        // The free port can be taken by someone else before redis-server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = TestHttp.FreeLoopbackPort();
            try
            {
                await StartOnPortAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    // redis-server's default file name; it loads the file at start when it is there.
    private string SavedData => Path.Combine(_directory, "dump.rdb");

    private async Task StartOnPortAsync()
    {
        var log = Path.Combine(_directory, $"redis-{Port}.log");
        var start = new ProcessStartInfo(_executable)
        {
            ArgumentList =
            {
                "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", _directory, "--logfile", log,
            },
            UseShellExecute = false,
        };
        _server = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_executable}.");
        await WaitUntilAnswersAsync(log);
    }

    private async Task WaitUntilAnswersAsync(string log)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartBound)
        {
            if (_server!.HasExited)
            {
                var reason = File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)";
                await StopAsync();
                throw new InvalidOperationException($"redis-server on port {Port} exited at start:{Environment.NewLine}{reason}");
            }
            if (await AnswersPingAsync()) return;
            await Task.Delay(50);
        }
        await StopAsync();
        throw new TimeoutException($"redis-server on port {Port} did not answer PING within {StartBound.TotalSeconds} s.");
    }

    // A raw PING, so that waiting does not depend on the client library under test.
    private async Task<bool> AnswersPingAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var reply = new byte[16];
            var read = await stream.ReadAsync(reply, timeout.Token);
            return Encoding.ASCII.GetString(reply, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string FindOnPath(string executable)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator);
        return directories.Select(directory => Path.Combine(directory, executable)).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"'{executable}' is not on PATH. The Redis tests and the bench start their own server: install Redis " +
                "(e.g. 'apt-get install redis-server'; the test script installs it) and run again.");
    }
}
