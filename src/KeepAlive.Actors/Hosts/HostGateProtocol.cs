using System.Text.Json.Serialization;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Serialization;

namespace KeepAlive.Actors.Hosts;

/// <summary>Routes a message to the <see cref="HostGateActor"/> of its host.</summary>
public interface IWithHost
{
    string Host { get; }
}

/// <summary>Messages of <see cref="HostGateActor"/>.</summary>
public static class HostGateProtocol
{
    /// <summary>Real traffic for <paramref name="Model"/> went to the host: the model now occupies it.</summary>
    public sealed record HostUsed(string Host, string Model) : IWithHost, IKeepAliveMessage;

    /// <summary>Router code started a real request on the host; pings to it wait until it finishes.</summary>
    public sealed record RequestStarted(string Host) : IWithHost, IConfirmable, IKeepAliveMessage
    {
        // Left out when false, so a told command's wire format is what it was before confirmations.
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public bool Confirm { get; init; }
    }

    /// <summary>Router code finished a real request on the host.</summary>
    public sealed record RequestFinished(string Host) : IWithHost, IConfirmable, IKeepAliveMessage
    {
        // Left out when false, so a told command's wire format is what it was before confirmations.
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public bool Confirm { get; init; }
    }

    /// <summary>
    /// A due pair asks to ping. The answer is <see cref="PingLeaseGranted"/> (now, or once the host is idle)
    /// or <see cref="HostBusy"/>. <paramref name="Attempt"/> lets the pair tell a fresh answer from a stale one.
    /// </summary>
    public sealed record RequestPingLease(string Host, PairKey Pair, long Attempt) : IWithHost, IKeepAliveMessage;

    public sealed record PingLeaseGranted(PairKey Pair, long Attempt) : IKeepAliveMessage;

    /// <summary>The host serves another model: pinging would evict it.</summary>
    public sealed record HostBusy(PairKey Pair, long Attempt, string Occupant) : IKeepAliveMessage;

    /// <summary>The ping finished (or is no longer wanted): frees the lease or drops the waiting request.</summary>
    public sealed record ReleasePingLease(string Host, PairKey Pair, long Attempt) : IWithHost, IKeepAliveMessage;

    public sealed record GetHostStatus(string Host) : IWithHost, IKeepAliveMessage;

    public sealed record HostStatus(string Host, string? Occupant, int RequestsInFlight, PairKey? LeaseHolder, int Waiting) : IKeepAliveMessage;
}
