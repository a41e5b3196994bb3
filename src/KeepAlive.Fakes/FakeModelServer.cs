using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using KeepAlive.Actors.Pinging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KeepAlive.Fakes;

/// <summary>What a <see cref="FakeModelServer"/> keeps of each request.</summary>
public enum RequestRecording
{
    /// <summary>Every request whole (method, path, headers, body) for assertions, and when it arrived.</summary>
    WholeRequests,

    /// <summary>
    /// Only when each request arrived, per host, stamped before its body is read; the body is never read, so
    /// model rules do not apply. For load (thousands of pairs), where keeping every request would weigh on what
    /// is measured.
    /// </summary>
    ArrivalTimesOnly,
}

/// <summary>
/// A model server on 127.0.0.1 that answers like vLLM/OpenAI and Ollama on the endpoints the service pings
/// (<see cref="PingRequestFactory.ChatCompletionsPath"/>, <see cref="PingRequestFactory.OllamaChatPath"/>,
/// <see cref="PingRequestFactory.OllamaGeneratePath"/>), records the requests, and can be told to fail or hang per
/// path or per model. Other paths answer 404. Use <see cref="Host"/>, or one of <see cref="HostNamed"/>, as a
/// provider's api_host. The host's demo (<c>--demo</c>) runs its model hosts on it, the tests use it as their
/// model servers and the bench as its responder.
/// </summary>
/// <remarks>Receive times are wall-clock and Stopwatch timestamps, not an actor system's scheduler time.</remarks>
public sealed class FakeModelServer : IAsyncDisposable
{
    private static readonly string[] Endpoints =
        [PingRequestFactory.ChatCompletionsPath, PingRequestFactory.OllamaChatPath, PingRequestFactory.OllamaGeneratePath];

    // Answers a client reads as success; their content is never looked at, so they are written once.
    private static readonly byte[] ChatCompletion = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-fake","object":"chat.completion","model":"fake","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}}""");
    private static readonly byte[] OllamaChat = Encoding.UTF8.GetBytes(
        """{"model":"fake","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}""");
    private static readonly byte[] OllamaGenerate = Encoding.UTF8.GetBytes(
        """{"model":"fake","response":"","done":true,"done_reason":"load"}""");

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly RequestRecording _recording;
    private readonly List<RecordedRequest> _requests = [];
    private readonly ConcurrentDictionary<string, ConcurrentQueue<long>> _arrivalsByHostPath = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeResponse> _responses = new(StringComparer.Ordinal);

    // Hanging handlers also end when the server stops, so disposing never waits for Kestrel's drain timeout.
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    private FakeModelServer(WebApplication app, RequestRecording recording)
    {
        _app = app;
        _recording = recording;
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:40123</c> (no trailing slash).</summary>
    public string Host { get; private set; } = string.Empty;

    /// <summary>A snapshot of every request received so far, in arrival order (none with <see cref="RequestRecording.ArrivalTimesOnly"/>).</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests) return _requests.ToArray();
        }
    }

    public static async Task<FakeModelServer> StartAsync(RequestRecording recording = RequestRecording.WholeRequests)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var server = new FakeModelServer(builder.Build(), recording);
        server._app.Run(server.HandleAsync);
        await server._app.StartAsync();
        server.Host = server._app.Services.GetRequiredService<IServer>()
            .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single().TrimEnd('/');
        return server;
    }

    /// <summary>
    /// Another host on this server, <c>{Host}/{name}</c>: it is answered like <see cref="Host"/> and its arrivals
    /// are kept apart (<see cref="ArrivalsAt"/>), so one server can stand in for thousands of hosts.
    /// </summary>
    public string HostNamed(string name) => $"{Host}/{name}";

    /// <summary>Stopwatch timestamps of the requests to <paramref name="host"/> (<see cref="Host"/> or a <see cref="HostNamed"/>), in arrival order.</summary>
    /// <exception cref="ArgumentException"><paramref name="host"/> is not on this server.</exception>
    public long[] ArrivalsAt(string host)
    {
        if (!host.StartsWith(Host, StringComparison.Ordinal))
            throw new ArgumentException($"'{host}' is not a host of the fake model server at {Host}.", nameof(host));
        return _arrivalsByHostPath.TryGetValue(host[Host.Length..].TrimEnd('/'), out var arrivals) ? arrivals.ToArray() : [];
    }

    /// <summary>
    /// Answer requests for <paramref name="pathOrModel"/> with <paramref name="response"/> from now on.
    /// A key starting with <c>/</c> is a path, or the path of a <see cref="HostNamed"/> (<c>/name</c>: every request
    /// to that host); any other key is a model, matched against the body's <c>model</c> (the API model name:
    /// model_path when the provider has one). A model rule wins over a path rule, the longest path rule over
    /// shorter ones; unmatched requests get <see cref="FakeResponse.Ok"/>.
    /// </summary>
    public void Respond(string pathOrModel, FakeResponse response) => _responses[pathOrModel] = response;

    /// <summary>Waits until <paramref name="count"/> requests match <paramref name="predicate"/> and returns them.</summary>
    /// <exception cref="TimeoutException">fewer arrived within <paramref name="timeout"/> (default 10 s); lists what did.</exception>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(
        Func<RecordedRequest, bool> predicate, int count = 1, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var matching = Requests.Where(predicate).ToArray();
            if (matching.Length >= count) return matching;
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"Expected {count} matching request(s) within {limit}, got {matching.Length}. Received: " +
                    string.Join(", ", Requests.Select(r => r.ToString())));
            }

            await Task.Delay(PollInterval);
        }
    }

    public Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count = 1, TimeSpan? timeout = null) =>
        WaitForRequestsAsync(_ => true, count, timeout);

    /// <summary>Stops the server; hanging requests are aborted. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;

        await _stopping.CancelAsync();
        using (var stopTimeout = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(stopTimeout.Token);
        }

        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        // Stamped first, before the body is read: as close to the client's send as the server can see it.
        var arrivedAt = Stopwatch.GetTimestamp();
        var path = context.Request.Path.Value ?? string.Empty;
        var endpoint = Array.Find(Endpoints, known => path.EndsWith(known, StringComparison.Ordinal));
        if (endpoint is not null) _arrivalsByHostPath.GetOrAdd(path[..^endpoint.Length], _ => new ConcurrentQueue<long>()).Enqueue(arrivedAt);
        var model = _recording == RequestRecording.WholeRequests ? (await RecordAsync(context.Request)).Model : null;

        var response = ResponseFor(path, model);
        if (response.Delay != TimeSpan.Zero && !await WaitAsync(response.Delay, arrivedAt, context.RequestAborted))
        {
            // Returning normally would send an empty 200: a server stopping mid-hang must look like a dead server.
            context.Abort();
            return;
        }

        var status = endpoint is null ? StatusCodes.Status404NotFound : response.StatusCode;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(BodyFor(endpoint, status));
    }

    private async Task<RecordedRequest> RecordAsync(HttpRequest http)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        using var reader = new StreamReader(http.Body);
        var raw = await reader.ReadToEndAsync();
        var request = new RecordedRequest(
            http.Method,
            http.Path.Value ?? string.Empty,
            raw,
            ParseJson(raw),
            http.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            receivedAt)
        {
            ClientPort = http.HttpContext.Connection.RemotePort,
        };
        lock (_requests) _requests.Add(request);
        return request;
    }

    private FakeResponse ResponseFor(string path, string? model)
    {
        if (model is not null && _responses.TryGetValue(model, out var byModel)) return byModel;
        var byPath = _responses
            .Where(rule => rule.Key.StartsWith('/') && (path == rule.Key || path.StartsWith(rule.Key + "/", StringComparison.Ordinal)))
            .OrderByDescending(rule => rule.Key.Length)
            .Select(rule => rule.Value)
            .FirstOrDefault();
        return byPath ?? FakeResponse.Ok;
    }

    /// <returns>False when the wait was cut short (client gone or server stopping): nothing is left to answer.</returns>
    private async Task<bool> WaitAsync(TimeSpan delay, long arrivedAt, CancellationToken requestAborted)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stopping.Token);
        try
        {
            // Task.Delay's timers tick on a coarse clock (4 ms on Linux) and can end that much early, but specs take
            // the delay as a floor of the latency they see: whatever is left of it by the precise clock is waited out.
            var left = delay;
            do
            {
                await Task.Delay(left, either.Token);
                left = delay - Stopwatch.GetElapsedTime(arrivedAt);
            }
            while (left > TimeSpan.Zero);

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static byte[] BodyFor(string? endpoint, int status)
    {
        if (status is < 200 or > 299) return Encoding.UTF8.GetBytes($$"""{"error":"fake model server answered {{status}}"}""");
        return endpoint switch
        {
            PingRequestFactory.ChatCompletionsPath => ChatCompletion,
            PingRequestFactory.OllamaChatPath => OllamaChat,
            _ => OllamaGenerate,
        };
    }

    private static JsonElement? ParseJson(string raw)
    {
        try
        {
            using var document = JsonDocument.Parse(raw);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>How <see cref="FakeModelServer"/> answers: wait <see cref="Delay"/>, then <see cref="StatusCode"/>.</summary>
public sealed record FakeResponse
{
    public int StatusCode { get; init; } = StatusCodes.Status200OK;

    /// <summary>
    /// How long to wait before answering; <see cref="Timeout.InfiniteTimeSpan"/> waits until the client gives up.
    /// Combine with a status: <c>FakeResponse.Status(500) with { Delay = ... }</c>.
    /// </summary>
    public TimeSpan Delay { get; init; } = TimeSpan.Zero;

    public static FakeResponse Ok { get; } = new();

    public static FakeResponse Status(int statusCode) => new() { StatusCode = statusCode };

    /// <summary>Never answers; the request ends when the client aborts it (or the server stops).</summary>
    public static FakeResponse Hang() => new() { Delay = Timeout.InfiniteTimeSpan };

    /// <summary>Answers 200 no sooner than <paramref name="delay"/> after the request arrived, unless the client aborts first.</summary>
    public static FakeResponse Hang(TimeSpan delay) => new() { Delay = delay };
}

/// <summary>One request as <see cref="FakeModelServer"/> received it.</summary>
/// <param name="Body">The parsed JSON body; null when the body was not JSON.</param>
/// <param name="Headers">Header name (case-insensitive) to its value(s), comma-joined.</param>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string RawBody,
    JsonElement? Body,
    IReadOnlyDictionary<string, string> Headers,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The body's <c>model</c>, when it has one.</summary>
    public string? Model =>
        Body is { ValueKind: JsonValueKind.Object } body &&
        body.TryGetProperty("model", out var model) &&
        model.ValueKind == JsonValueKind.String
            ? model.GetString()
            : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The client's port: tells apart the connections (and so the processes) requests came from.</summary>
    public int ClientPort { get; init; }

    // Headers are left out: they may hold a bearer token, and this text ends up in failure messages.
    public override string ToString() => $"{Method} {Path} model={Model ?? "-"} at {ReceivedAt:HH:mm:ss.fff}";
}
