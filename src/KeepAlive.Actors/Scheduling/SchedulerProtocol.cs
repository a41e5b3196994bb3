using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Scheduling;

/// <summary>Messages of <see cref="SchedulerActor"/>, the node's only writer of the schema.</summary>
public static class SchedulerProtocol
{
    /// <summary>A pair's schedule changed; the scheduler coalesces per pair (latest wins) and writes in batches.</summary>
    public sealed record MirrorSchedule(ScheduleChange Change);

    /// <summary>
    /// The pair moved to another node and handed its schedule over; its successor writes it from now on, so a change
    /// still waiting here must not land later over the successor's.
    /// </summary>
    public sealed record HandedOver(PairKey Pair);

    /// <summary>
    /// Published on the node's event stream when the store answers again after an outage: it may have come back empty
    /// (a Redis restart without persistence), so the pairs living on the node write their schedules again. Node-local.
    /// </summary>
    public sealed class StoreReachableAgain
    {
        public static readonly StoreReachableAgain Instance = new();
        private StoreReachableAgain() { }
    }

    /// <summary>
    /// A pair asks what the store holds for it; answered with <see cref="StoredWakeUpChecked"/>, at once when a change of
    /// the pair's own waits to be written (the store does not show it yet), else after one pipelined read.
    /// </summary>
    public sealed record CheckStoredWakeUp(PairKey Pair, StoreCheck Check);

    /// <param name="Stored">The stored wake-up; null when the pair has none there, or the store could not be read.</param>
    public sealed record StoredWakeUpChecked(StoreCheck Check, bool OwnChangePending, DateTimeOffset? Stored);

    /// <summary>Writes every pending change now; answered with <see cref="AllWritten"/> (or when the store fails).</summary>
    public sealed class WriteEverything
    {
        public static readonly WriteEverything Instance = new();
        private WriteEverything() { }
    }

    /// <param name="Pending">Changes that could not be written (the store is unreachable); 0 when all are in the store.</param>
    public sealed record AllWritten(int Pending);

    /// <summary>Answered with <see cref="Ready"/> once the store may be read (after clear-on-start).</summary>
    public sealed class WhenReady
    {
        public static readonly WhenReady Instance = new();
        private WhenReady() { }
    }

    public sealed class Ready
    {
        public static readonly Ready Instance = new();
        private Ready() { }
    }

    public sealed class GetSchedulerStatus
    {
        public static readonly GetSchedulerStatus Instance = new();
        private GetSchedulerStatus() { }
    }

    /// <param name="PendingWrites">Pairs whose latest change is not in the store yet, queued or in the batch being written (at most one per pair).</param>
    /// <param name="StoreUnreachable">The last write failed; changes are kept until the store is back.</param>
    public sealed record SchedulerStatus(int PendingWrites, bool StoreUnreachable);
}
