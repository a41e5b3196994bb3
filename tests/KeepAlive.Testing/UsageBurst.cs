using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace KeepAlive.Testing;

/// <summary>One usage as a router posts it to the host's API.</summary>
public sealed record Usage(string ModelName, string Host, string KeepAlive);

/// <summary>What a burst took: the time until the host had accepted every batch, and how often it answered 503 first.</summary>
public sealed record BurstOutcome(TimeSpan Elapsed, int Batches, int Unavailable);

/// <summary>
/// Posts usages to a host's <c>POST /api/usage/batch</c>, several batches at a time, as fast as the host takes them.
/// A 503 is the host saying "not now": that batch is sent again after its <c>Retry-After</c>. Any other answer than
/// 202 or 503 ends the burst with an exception naming it.
/// </summary>
public static class UsageBurst
{
    public const string Path = "/api/usage/batch";

    private static readonly TimeSpan RetryAfterWhenUnsaid = TimeSpan.FromSeconds(1);
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <exception cref="OperationCanceledException">not every batch was accepted within <paramref name="bound"/>.</exception>
    public static async Task<BurstOutcome> PostAsync(HttpClient http, IReadOnlyList<Usage> usages, int batchSize, int concurrency, TimeSpan bound)
    {
        // Serialized before the clock starts: the burst measures the host, not the client.
        var bodies = usages.Chunk(batchSize)
            .Select(batch => JsonSerializer.SerializeToUtf8Bytes(batch.Select(u => new { model_name = u.ModelName, host = u.Host, keep_alive = u.KeepAlive })))
            .ToArray();
        var next = -1;
        var unavailable = 0;
        using var deadline = new CancellationTokenSource(bound);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (var batch = Interlocked.Increment(ref next); batch < bodies.Length; batch = Interlocked.Increment(ref next))
                Interlocked.Add(ref unavailable, await PostUntilAcceptedAsync(http, bodies[batch], deadline.Token));
        }));
        return new BurstOutcome(clock.Elapsed, bodies.Length, unavailable);
    }

    /// <returns>How many 503s came before the 202.</returns>
    private static async Task<int> PostUntilAcceptedAsync(HttpClient http, byte[] body, CancellationToken cancellation)
    {
        for (var unavailable = 0; ; unavailable++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            using var response = await http.PostAsync(Path, content, cancellation);
            if (response.StatusCode == HttpStatusCode.Accepted) return unavailable;
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                throw new InvalidOperationException(
                    $"POST {Path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellation)}");
            }

            await Task.Delay(response.Headers.RetryAfter?.Delta ?? RetryAfterWhenUnsaid, cancellation);
        }
    }
}
