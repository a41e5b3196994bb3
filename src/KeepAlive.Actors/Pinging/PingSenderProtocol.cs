using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Pinging;

/// <summary>Messages of <see cref="PingSenderActor"/>: one request in, one outcome back to the sender.</summary>
public static class PingSenderProtocol
{
    /// <summary>Send <paramref name="Request"/> for <paramref name="Pair"/>; the outcome goes to the sender of this message.</summary>
    public sealed record SendPing(PairKey Pair, PingRequest Request);

    /// <summary>What a <see cref="SendPing"/> ends in: <see cref="PingSucceeded"/> or <see cref="PingFailed"/>.</summary>
    public interface IPingOutcome
    {
        PairKey Pair { get; }

        TimeSpan Latency { get; }
    }

    public sealed record PingSucceeded(PairKey Pair, int StatusCode, TimeSpan Latency) : IPingOutcome;

    /// <param name="StatusCode">The HTTP status for <see cref="PingFailureReason.HttpStatus"/>, else null.</param>
    /// <param name="Detail">Human-readable cause; never contains the token.</param>
    public sealed record PingFailed(PairKey Pair, PingFailureReason Reason, int? StatusCode, TimeSpan Latency, string Detail) : IPingOutcome;
}

public enum PingFailureReason
{
    HttpStatus,
    Timeout,
    ConnectionRefused,
    DnsFailure,
    Other,

    /// <summary>Not sent: this node has lost its standing (downed, or paused long enough to be), see <see cref="INodeStanding"/>.</summary>
    NotSent,
}
