using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// A minimal OpenAI-compatible responder on 127.0.0.1 that records when each host's ping arrives.
/// Host <c>i</c> is the path prefix <c>/h{i}</c> (so every pair gets a host string of its own, all served here);
/// <c>/hang</c> answers nothing until the client gives up. Not the host's FakeModelServer: that one keeps every
/// request whole (headers, parsed body) for assertions, which at 10,000 pairs would weigh on what is measured;
/// here only an arrival timestamp per host is kept.
/// </summary>
public sealed class LoopbackResponder : IAsyncDisposable
{
    private static readonly byte[] Completion =
        """{"id":"bench","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}"""u8.ToArray();

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<long>[] _arrivals;

    private LoopbackResponder(WebApplication app, ConcurrentQueue<long>[] arrivals, string baseAddress)
    {
        _app = app;
        _arrivals = arrivals;
        BaseAddress = baseAddress;
    }

    /// <summary><c>http://127.0.0.1:PORT</c></summary>
    public string BaseAddress { get; }

    public string Host(int index) => $"{BaseAddress}/h{index}";

    public string HangingHost => $"{BaseAddress}/hang";

    public long HangingRequests;

    /// <summary>Stopwatch timestamps of the pings host <paramref name="index"/> received, in arrival order.</summary>
    public long[] ArrivalsOf(int index) => _arrivals[index].ToArray();

    public static async Task<LoopbackResponder> StartAsync(int hosts)
    {
        var arrivals = Enumerable.Range(0, hosts).Select(_ => new ConcurrentQueue<long>()).ToArray();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        LoopbackResponder? self = null;
        app.MapPost("/hang/v1/chat/completions", async (HttpContext context) =>
        {
            Interlocked.Increment(ref self!.HangingRequests);
            // Until the ping's own timeout cancels the request: the backend that hangs.
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
            catch (OperationCanceledException) { }
        });
        app.MapPost("/h{index:int}/v1/chat/completions", async (int index, HttpContext context) =>
        {
            // Stamped first, before the body is read, so the figure is as close to the send as the responder sees it.
            var at = Stopwatch.GetTimestamp();
            if ((uint)index < (uint)arrivals.Length) arrivals[index].Enqueue(at);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Completion);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        self = new LoopbackResponder(app, arrivals, address.TrimEnd('/'));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(bound.Token);
        await _app.DisposeAsync();
    }
}
