using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;

namespace KeepAlive.Actors;

/// <summary>Whether this node may still act for its pairs outside the cluster: send pings and write their schedules.</summary>
public interface INodeStanding
{
    bool MayAct { get; }
}

/// <summary>
/// A node loses its standing when the cluster has downed it, or when it was paused (a frozen process, a VM pause, a
/// starved machine) long enough that the others may have downed it and started its pairs elsewhere. Timers that fell
/// due during the pause fire the moment the node runs again, before it hears that it was removed: without this
/// check it would ping pairs that now live on another node, and write their old schedules over the new ones.
/// </summary>
public sealed class NodeStanding : INodeStanding
{
    private readonly Func<bool> _downed;
    private readonly long _pauseThreshold;
    private readonly long _settle;
    private readonly Func<long> _now;
    private long _lastTick;
    private long _resumedAt;

    /// <param name="downed">Whether the cluster has downed (or removed) this node.</param>
    /// <param name="pauseThreshold">A pause longer than this may have cost the node its pairs (the split brain resolver's stable-after).</param>
    /// <param name="settle">After such a pause the node waits this long to hear from the cluster before it acts again.</param>
    /// <param name="now">A monotonic clock in <see cref="Stopwatch"/> ticks.</param>
    public NodeStanding(Func<bool> downed, TimeSpan pauseThreshold, TimeSpan settle, Func<long>? now = null)
    {
        _downed = downed;
        _pauseThreshold = ToTicks(pauseThreshold);
        _settle = ToTicks(settle);
        _now = now ?? Stopwatch.GetTimestamp;
        _lastTick = _now();
        _resumedAt = _lastTick - _settle - 1;
    }

    /// <summary>How often <see cref="Tick"/> must be called; a gap much longer than this is a pause.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    // Heartbeats missed during the pause make the others unreachable within a few seconds of waking.
    private static readonly TimeSpan DetectionAfterPause = TimeSpan.FromSeconds(5);

    /// <summary>The standing of the node of <paramref name="system"/>, ticked by its scheduler.</summary>
    public static NodeStanding Of(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var shutdown = CoordinatedShutdown.Get(system);
        var stableAfter = system.Settings.Config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after", TimeSpan.FromSeconds(20));
        // Downed by the resolver, or told by the others that it was removed (quarantined) while it was away. Not
        // "Removed" as such: a node that leaves gracefully is removed at the end of its shutdown and still writes.
        // After a pause the node waits until its own resolver has decided too (stable-after, plus time to notice the
        // others are gone): the others rarely tell a node they removed, so a node that woke in the minority downs itself.
        var standing = new NodeStanding(
            () => cluster.SelfMember.Status == MemberStatus.Down || shutdown.ShutdownReason is CoordinatedShutdown.ClusterDowningReason,
            stableAfter,
            stableAfter + DetectionAfterPause);
        system.Scheduler.Advanced.ScheduleRepeatedly(TickInterval, TickInterval, standing.Tick);
        return standing;
    }

    public bool MayAct
    {
        get
        {
            var now = _now();
            // Checked here too, not only in Tick: right after a pause, due timers may run before the tick does.
            return !_downed() && now - Volatile.Read(ref _lastTick) <= _pauseThreshold && now - Volatile.Read(ref _resumedAt) > _settle;
        }
    }

    public void Tick()
    {
        var now = _now();
        if (now - Volatile.Read(ref _lastTick) > _pauseThreshold) Volatile.Write(ref _resumedAt, now);
        Volatile.Write(ref _lastTick, now);
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
