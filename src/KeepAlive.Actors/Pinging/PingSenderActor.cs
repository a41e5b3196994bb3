using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;

namespace KeepAlive.Actors.Pinging;

/// <summary>
/// Turns <see cref="PingSenderProtocol.SendPing"/> into one HTTP POST and pipes the outcome back.
/// Routee of the node's ping sender pool.
/// </summary>
/// <remarks>
/// The request runs outside the actor and its outcome is piped to the requester, so a backend that
/// never answers holds one pipe for at most the timeout, never this actor's mailbox.
/// </remarks>
public sealed class PingSenderActor : ReceiveActor
{
    private const string RedactedToken = "<redacted>";

    private readonly IHttpClientFactory _httpClients;
    private readonly TimeSpan _timeout;
    private readonly INodeStanding _standing;

    public PingSenderActor(IHttpClientFactory httpClients, TimeSpan timeout, INodeStanding standing)
    {
        ArgumentNullException.ThrowIfNull(httpClients);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _httpClients = httpClients;
        _timeout = timeout;
        _standing = standing;
        Receive<SendPing>(Send);
    }

    /// <summary>The named HttpClient the senders use (so a host can configure its handler).</summary>
    public const string HttpClientName = "keepalive-ping";

    public static Props Props(IHttpClientFactory httpClients, TimeSpan timeout, INodeStanding standing) =>
        Akka.Actor.Props.Create(() => new PingSenderActor(httpClients, timeout, standing));

    private void Send(SendPing ping)
    {
        // The last check before the model server: a node that may have lost its pairs to another must not ping them.
        if (!_standing.MayAct)
        {
            Sender.Tell(Failed(ping, PingFailureReason.NotSent, null, TimeSpan.Zero,
                "not sent: this node was downed, or paused long enough to have been; another node may hold the pair now"));
            return;
        }

        // Sender and Self are only valid while this message is handled, not when the pipe completes.
        var replyTo = Sender;
        var self = Self;
        SendAsync(_httpClients, ping, _timeout).PipeTo(replyTo, self);
    }

    /// <summary>Never faults: every exception, even from a misconfigured client, becomes a <see cref="PingFailed"/>.</summary>
    private static async Task<IPingOutcome> SendAsync(IHttpClientFactory httpClients, SendPing ping, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            // Short-lived client over the factory's pooled handler; the token is the one timeout, for connect and body alike.
            using var client = httpClients.CreateClient(HttpClientName);
            client.Timeout = Timeout.InfiniteTimeSpan;
            using var request = BuildRequest(ping.Request);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            // Nobody needs the body, but reading it to the end lets the handler reuse the connection.
            await response.Content.CopyToAsync(Stream.Null, cts.Token);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new PingSucceeded(ping.Pair, status, stopwatch.Elapsed)
                : Failed(ping, PingFailureReason.HttpStatus, status, stopwatch.Elapsed, $"HTTP {status} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            var detail = string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.###} s");
            return Failed(ping, PingFailureReason.Timeout, null, stopwatch.Elapsed, detail);
        }
        catch (Exception exception)
        {
            return Failed(ping, Classify(exception), null, stopwatch.Elapsed, Describe(exception));
        }
    }

    private static HttpRequestMessage BuildRequest(PingRequest ping)
    {
        // ByteArrayContent, unlike StringContent, sends the media type without a charset parameter, as the Python router did.
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(ping.JsonBody));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, ping.Endpoint) { Content = content };
        if (ping.BearerToken is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static PingFailed Failed(SendPing ping, PingFailureReason reason, int? status, TimeSpan latency, string detail) =>
        new(ping.Pair, reason, status, latency, Redact(detail, ping.Request.BearerToken));

    // Exception texts name hosts, not headers, but a token can still hide in a host's user-info or a header parse error.
    private static string Redact(string detail, string? token) =>
        string.IsNullOrEmpty(token) ? detail : detail.Replace(token, RedactedToken, StringComparison.Ordinal);

    /// <summary>The failure reason of an exception thrown while sending (our own timeout is handled before).</summary>
    internal static PingFailureReason Classify(Exception exception)
    {
        if (exception is not HttpRequestException http) return PingFailureReason.Other;

        switch (FindSocketError(http))
        {
            case SocketError.ConnectionRefused:
                return PingFailureReason.ConnectionRefused;
            case SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData:
                return PingFailureReason.DnsFailure;
        }

        return http.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => PingFailureReason.DnsFailure,
            HttpRequestError.ConnectionError => PingFailureReason.ConnectionRefused,
            _ => PingFailureReason.Other,
        };
    }

    private static SocketError? FindSocketError(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException socket) return socket.SocketErrorCode;
        }

        return null;
    }

    // The outer HttpRequestException often says only "an error occurred"; the cause is further in.
    private static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            parts.Add($"{current.GetType().Name}: {current.Message}");
        }

        return string.Join(" <- ", parts);
    }
}
