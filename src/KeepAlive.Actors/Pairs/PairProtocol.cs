using System.Text.Json.Serialization;
using KeepAlive.Actors.Serialization;

namespace KeepAlive.Actors.Pairs;

/// <summary>Routes a message to the <see cref="PairActor"/> of its pair.</summary>
public interface IWithPairKey
{
    PairKey Pair { get; }
}

/// <summary>What a pair is doing, as reported by <see cref="PairProtocol.PairStatus"/>.</summary>
public enum PairState
{
    /// <summary>A wake-up is armed; the pair will be pinged when it is due.</summary>
    Scheduled,

    /// <summary>keep_alive is falsy or invalid: never pinged.</summary>
    Off,

    /// <summary>No provider for the pair in models-config: not pinged until the config has one.</summary>
    Unconfigured,

    /// <summary>No real usage for max_idle: not pinged until the next usage.</summary>
    IdleExpired,

    /// <summary>The last ping failed; the next one is a backoff retry.</summary>
    BackingOff,

    /// <summary>Due, waiting for the host's ping lease.</summary>
    AwaitingHost,

    /// <summary>A ping is in flight.</summary>
    Pinging,

    /// <summary>
    /// Unregistered: no more pings, its keys are removed. The actor lingers a minute so a stale stored schedule cannot
    /// bring the pair back; listings leave it out.
    /// </summary>
    Unregistered,
}

/// <summary>What a ping asked for now came to.</summary>
public enum PingNowOutcome
{
    /// <summary>Sent; its outcome (success or failure) says how it went.</summary>
    Pinged,

    /// <summary>Not sent: another model occupies the host, and a ping would evict it.</summary>
    HostBusy,

    /// <summary>Not sent: models-config has no usable provider for the pair.</summary>
    NotPingable,

    /// <summary>Not sent here: the pair moved to another node or was unregistered, or a ping of it is still out. Asking again is safe.</summary>
    Interrupted,
}

/// <summary>Messages of <see cref="PairActor"/>; told to the pair shard region.</summary>
public static class PairProtocol
{
    /// <summary>
    /// The router used the pair: its next ping moves to now + <paramref name="KeepAlive"/>, and the model
    /// becomes its host's occupant. A falsy or invalid keep_alive turns the pair off.
    /// </summary>
    /// <remarks>
    /// Told, it costs the caller a few hundred nanoseconds and nothing answers. Asked with <see cref="Confirm"/>
    /// (as <see cref="UsageRecorder"/> does), the pair answers <see cref="Confirmed"/> once it has taken the usage.
    /// </remarks>
    public sealed record RecordUsage(PairKey Pair, string? KeepAlive) : IWithPairKey, IConfirmable, IKeepAliveMessage
    {
        public RecordUsage(string modelName, string host, string? keepAlive)
            : this(PairKey.From(modelName, host), keepAlive)
        {
        }

        // Left out when false, so a told command's wire format is what it was before confirmations.
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public bool Confirm { get; init; }
    }

    /// <summary>Forget the pair: no more pings, its keys leave the schema, the entity stops for good.</summary>
    public sealed record Unregister(PairKey Pair) : IWithPairKey, IConfirmable, IKeepAliveMessage
    {
        // Left out when false, so a told command's wire format is what it was before confirmations.
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public bool Confirm { get; init; }
    }

    /// <summary>
    /// The pair's schedule as the store holds it, handed over by the sweep (at start, when a member is removed,
    /// periodically), so a pair whose actor is gone (a lost node, a restart) starts again on it without reading the
    /// store itself. A pair that already runs keeps its own schedule. Always answered with <see cref="Confirmed"/>,
    /// which paces the sweep.
    /// </summary>
    public sealed record ResumeSchedule(PairKey Pair, long KeepAliveSeconds, DateTimeOffset NextWakeUp) : IWithPairKey, IKeepAliveMessage;

    /// <summary>
    /// The pair's actor moved (a graceful leave or a rebalance): its predecessor hands over everything it knew, so the
    /// successor continues exactly where it stopped, including what was not written to the store yet.
    /// </summary>
    public sealed record ScheduleHandedOver(PairStatus Predecessor) : IWithPairKey, IKeepAliveMessage
    {
        [JsonIgnore]
        public PairKey Pair => Predecessor.Pair;
    }

    /// <summary>
    /// The schedule store was unreachable and may have come back empty (a Redis restart without persistence):
    /// the pair tells the scheduler its current schedule again, if this incarnation has one.
    /// </summary>
    public sealed record RewriteSchedule(PairKey Pair) : IWithPairKey, IKeepAliveMessage;

    /// <summary>
    /// Sharding's stop message for a handoff (a graceful leave, a rebalance), set as the pair region's
    /// <c>HandOffStopMessage</c>: the pair hands its schedule over to its successor before it stops. Node-local.
    /// </summary>
    public sealed class HandOff
    {
        public static readonly HandOff Instance = new();
        private HandOff() { }
    }

    /// <summary>
    /// Ping the pair once, now (a router warming a model before it sends traffic), through the rules of a due ping:
    /// models-config, the host's gate and its lease. Answered with <see cref="PingNowAnswered"/> when the ping is done
    /// or cannot be sent. Asked again while it waits, the askers share the one ping.
    /// </summary>
    public sealed record PingNow(PairKey Pair) : IWithPairKey, IKeepAliveMessage;

    /// <summary>What a <see cref="PingNow"/> came to.</summary>
    /// <param name="Ping">The ping's outcome, when it was sent.</param>
    /// <param name="Detail">The occupant (busy), the config problem (not pingable), or why it was interrupted.</param>
    public sealed record PingNowAnswered(PairKey Pair, PingNowOutcome Outcome, LastPing? Ping, string? Detail) : IKeepAliveMessage;

    /// <summary>Asks for a <see cref="PairStatus"/>.</summary>
    public sealed record GetPairStatus(PairKey Pair) : IWithPairKey, IKeepAliveMessage;

    /// <summary>The outcome of the pair's last ping.</summary>
    /// <param name="Failure">Why it failed (reason and detail); null on success.</param>
    public sealed record LastPing(DateTimeOffset At, bool Succeeded, int? StatusCode, TimeSpan Latency, string? Failure) : IKeepAliveMessage;

    /// <param name="KeepAliveSeconds">0 when the pair is off.</param>
    /// <param name="LastSkip">Why the last due ping was not sent, if it was not.</param>
    /// <param name="Reason">Why the pair is in its state (off, unconfigured, idle-expired), if it says.</param>
    /// <param name="Node">Address of the node the pair's actor lives on.</param>
    public sealed record PairStatus(
        PairKey Pair,
        long KeepAliveSeconds,
        PairState State,
        DateTimeOffset? NextWakeUp,
        DateTimeOffset? LastUsage,
        LastPing? LastPing,
        int ConsecutiveFailures,
        string? LastSkip,
        string? Reason,
        string Node) : IKeepAliveMessage;
}
