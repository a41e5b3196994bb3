using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KeepAlive.Host.Demo;

/// <summary>
/// A model server on 127.0.0.1 that answers like vLLM/OpenAI (<c>POST /v1/chat/completions</c>) and
/// Ollama (<c>POST /api/chat</c>, <c>POST /api/generate</c>), records every request, and can be told
/// to fail or hang per path or per model. Other paths answer 404. One instance is one provider host:
/// use <see cref="Host"/> as the provider's api_host. The demo (<c>--demo</c>) runs its model hosts on
/// it, and the tests use the same class as their model servers.
/// </summary>
/// <remarks>Receive times are wall-clock (<see cref="DateTimeOffset.UtcNow"/>), not an actor system's scheduler time.</remarks>
public sealed class FakeModelServer : IAsyncDisposable
{
    public const string ChatCompletionsPath = "/v1/chat/completions";
    public const string OllamaChatPath = "/api/chat";
    public const string OllamaGeneratePath = "/api/generate";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];
    private readonly ConcurrentDictionary<string, FakeResponse> _responses = new(StringComparer.Ordinal);

    // Hanging handlers also end when the server stops, so disposing never waits for Kestrel's drain timeout.
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    private FakeModelServer(WebApplication app) => _app = app;

    /// <summary>The base address, e.g. <c>http://127.0.0.1:40123</c> (no trailing slash).</summary>
    public string Host { get; private set; } = string.Empty;

    /// <summary>A snapshot of every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests) return _requests.ToArray();
        }
    }

    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var server = new FakeModelServer(builder.Build());
        server._app.Run(server.HandleAsync);
        await server._app.StartAsync();
        server.Host = server._app.Services.GetRequiredService<IServer>()
            .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single().TrimEnd('/');
        return server;
    }

    /// <summary>
    /// Answer requests for <paramref name="pathOrModel"/> with <paramref name="response"/> from now on.
    /// A key starting with <c>/</c> is a path; any other key is a model, matched against the body's
    /// <c>model</c> (the API model name: model_path when the provider has one).
    /// A model rule wins over a path rule; unmatched requests get <see cref="FakeResponse.Ok"/>.
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
        var request = await RecordAsync(context.Request);
        var response = ResponseFor(request);
        if (response.Delay != TimeSpan.Zero && !await WaitAsync(response.Delay, context.RequestAborted))
        {
            // Returning normally would send an empty 200: a server stopping mid-hang must look like a dead server.
            context.Abort();
            return;
        }

        context.Response.StatusCode = IsKnownPath(request.Path) ? response.StatusCode : StatusCodes.Status404NotFound;
        await context.Response.WriteAsJsonAsync(BodyFor(request, context.Response.StatusCode));
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

    private FakeResponse ResponseFor(RecordedRequest request) =>
        request.Model is { } model && _responses.TryGetValue(model, out var byModel) ? byModel
        : _responses.TryGetValue(request.Path, out var byPath) ? byPath
        : FakeResponse.Ok;

    /// <returns>False when the wait was cut short (client gone or server stopping): nothing is left to answer.</returns>
    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken requestAborted)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stopping.Token);
        try
        {
            await Task.Delay(delay, either.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsKnownPath(string path) =>
        path is ChatCompletionsPath or OllamaChatPath or OllamaGeneratePath;

    private static object BodyFor(RecordedRequest request, int status)
    {
        if (status is < 200 or > 299) return new { error = $"fake model server answered {status}" };

        var model = request.Model ?? "unknown";
        var createdAt = DateTimeOffset.UtcNow;
        return request.Path switch
        {
            ChatCompletionsPath => new
            {
                id = "chatcmpl-fake",
                @object = "chat.completion",
                created = createdAt.ToUnixTimeSeconds(),
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = "" }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 1, completion_tokens = 0, total_tokens = 1 },
            },
            OllamaChatPath => new
            {
                model,
                created_at = createdAt,
                message = new { role = "assistant", content = "" },
                done = true,
                done_reason = "stop",
            },
            _ => (object)new { model, created_at = createdAt, response = "", done = true, done_reason = "load" },
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

    /// <summary>Answers 200 after <paramref name="delay"/>, unless the client aborts first.</summary>
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
