using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace KeepAlive.Testing;

/// <summary>
/// The real KeepAlive.Host, started as its own process from the build output next to the test assembly
/// (<c>dotnet KeepAlive.Host.dll --urls http://127.0.0.1:0 ...</c>) and driven over HTTP on 127.0.0.1.
/// Its console output is captured so tests can read what a user would see, and echoed to a sink (a test's output).
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Action<string>? _echo;
    private readonly List<string> _output = [];

    private HostProcess(Process process, Action<string>? echo)
    {
        _process = process;
        _echo = echo;
        Started = Stopwatch.StartNew();
    }

    /// <summary>The value that follows <paramref name="flag"/> on the command line the host was started with.</summary>
    public string Argument(string flag)
    {
        var arguments = _process.StartInfo.ArgumentList;
        var at = arguments.IndexOf(flag);
        return at >= 0 && at + 1 < arguments.Count ? arguments[at + 1] : throw new ArgumentException($"The host was started without {flag}.", nameof(flag));
    }

    /// <summary>The API's base address, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A client on <see cref="BaseAddress"/>; sends the bearer token when the host was started with one.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Runs from the moment the process was started.</summary>
    public Stopwatch Started { get; }

    /// <summary>Every stdout and stderr line so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output) return _output.ToArray();
        }
    }

    /// <summary>Starts the host and waits until its API listens. <paramref name="apiToken"/> is sent by <see cref="Http"/>.</summary>
    /// <param name="echo">Also gets every output line as it comes, e.g. a test's output, shown when the test fails.</param>
    /// <param name="executable">A published <c>keepalive</c> executable to run instead of the build's KeepAlive.Host.dll.</param>
    /// <param name="environment">Environment variables to set for the process.</param>
    public static async Task<HostProcess> StartAsync(
        IEnumerable<string> arguments,
        string? apiToken = null,
        Action<string>? echo = null,
        string? executable = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (executable is null) start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KeepAlive.Host.dll"));
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (var argument in new[] { "--urls", "http://127.0.0.1:0" }.Concat(arguments)) start.ArgumentList.Add(argument);
        // No colours or terminal widths: lines as a log collector would see them.
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";

        var host = new HostProcess(new Process { StartInfo = start, EnableRaisingEvents = true }, echo);
        host._process.OutputDataReceived += (_, line) => host.Record(line.Data);
        host._process.ErrorDataReceived += (_, line) => host.Record(line.Data);
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();

        try
        {
            var listening = await host.WaitForOutputAsync(line => ListeningOn().IsMatch(line), StartTimeout);
            host.BaseAddress = new Uri(ListeningOn().Match(listening).Groups["url"].Value);
            host.Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            if (apiToken is not null) host.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls <c>/readyz</c> until the node is an Up cluster member.</summary>
    public async Task WaitUntilReadyAsync() =>
        await Eventually.HoldsAsync(async () => (await Http.GetAsync("/readyz")).IsSuccessStatusCode, StartTimeout, "the host to be ready");

    /// <summary>Waits for an output line matching <paramref name="predicate"/>.</summary>
    /// <exception cref="TimeoutException">none within <paramref name="timeout"/>; the message holds the output.</exception>
    public async Task<string> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Output.FirstOrDefault(predicate) is { } line) return line;
            if (_process.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"No matching output line within {timeout} (exited: {_process.HasExited}). Output:\n{string.Join('\n', Output)}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The process id, for signals.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Kills the process with SIGKILL, as a crash (or the OOM killer) would: no shutdown of any kind.</summary>
    public void Crash() => _process.Kill(entireProcessTree: false);

    /// <summary>Sends a signal by name (<c>TERM</c>, <c>STOP</c>, <c>CONT</c>) with the system's <c>kill</c>.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, _process.Id.ToString()]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {_process.Id} failed with exit code {kill.ExitCode}.");
    }

    /// <summary>Waits for the process to exit by itself.</summary>
    /// <exception cref="TimeoutException">it still runs after <paramref name="timeout"/>; the message holds the output.</exception>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var bound = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The host still runs after {timeout}. Output:\n{string.Join('\n', Output.TakeLast(50))}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(exit.Token);
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        _echo?.Invoke(line);
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:[0-9]+)")]
    private static partial Regex ListeningOn();
}
