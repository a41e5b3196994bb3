namespace KeepAlive.Actors.Scheduling;

/// <summary>Messages of <see cref="SchedulerActor"/>, the node's only writer of the schema.</summary>
public static class SchedulerProtocol
{
    /// <summary>A pair's schedule changed; the scheduler coalesces per pair (latest wins) and writes in batches.</summary>
    public sealed record MirrorSchedule(ScheduleChange Change);

    public sealed class GetSchedulerStatus
    {
        public static readonly GetSchedulerStatus Instance = new();
        private GetSchedulerStatus() { }
    }

    /// <param name="PendingWrites">Pairs whose latest change is not written yet (at most one per pair).</param>
    /// <param name="StoreUnreachable">The last write failed; changes are kept until the store is back.</param>
    /// <param name="SweepsCompleted">Sweeps of the stored schedule that read every page.</param>
    public sealed record SchedulerStatus(int PendingWrites, bool StoreUnreachable, long BatchesWritten, long SweepsCompleted);
}
