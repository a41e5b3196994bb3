using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using KeepAlive.Actors.Providers;
using static KeepAlive.Actors.Scheduling.SchedulerProtocol;

namespace KeepAlive.Actors.Scheduling;

/// <summary>Settings of the node's <see cref="SchedulerActor"/>. Validated at start; errors name the setting.</summary>
public sealed record SchedulerSettings
{
    /// <summary>How often coalesced schedule changes are written.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A batch is written as soon as this many pairs have changes, without waiting for the interval.
    /// Well above the number of pairs a router keeps hot, so hot pairs are coalesced to one write per
    /// interval; it bounds the pipeline's size when many distinct pairs change at once.
    /// </summary>
    public int MaxBatchSize { get; init; } = 10_000;

    /// <summary>How often the sorted set is read for pairs that are (nearly) due but have no live actor.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Members read per sweep request (<c>ZRANGE ... BYSCORE LIMIT</c>).</summary>
    public int SweepPageSize { get; init; } = 1000;

    /// <summary>Delete every key of the schema before the first sweep (the original's clear_buffers). Wipes shared state.</summary>
    public bool ClearOnStart { get; init; }

    /// <exception cref="ArgumentException">names the first invalid setting.</exception>
    public SchedulerSettings Validate()
    {
        Require(FlushInterval > TimeSpan.Zero, nameof(FlushInterval), "must be positive");
        Require(MaxBatchSize > 0, nameof(MaxBatchSize), "must be at least 1");
        Require(SweepInterval > TimeSpan.Zero, nameof(SweepInterval), "must be positive");
        Require(SweepPageSize > 0, nameof(SweepPageSize), "must be at least 1");
        return this;
    }

    private static void Require(bool condition, string setting, string reason) =>
        SettingCheck.Require(condition, "KeepAlive scheduler setting", setting, reason);
}

/// <summary>
/// One per node, the only writer of the schema. Coalesces the pairs' schedule changes (latest wins per
/// pair) and writes them in batches; keeps them through store outages and writes them when the store is
/// back. Sweeps the sorted set on start and periodically, and starts the actors of pairs that are due
/// soon, so a restarted cluster and pairs written by other programs are pinged on their stored schedule.
/// </summary>
public sealed class SchedulerActor : ReceiveActor, IWithTimers
{
    private sealed class Flush
    {
        public static readonly Flush Instance = new();
        private Flush() { }
    }

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
        private Sweep() { }
    }

    private sealed record BatchWritten(IReadOnlyList<ScheduleChange> Batch);

    private sealed record BatchFailed(IReadOnlyList<ScheduleChange> Batch, Exception Cause);

    private sealed record Cleared(Exception? Failure);

    private sealed record DuePageRead(DuePage Page);

    private sealed record SweepFailed(Exception Cause);

    // Sharding starts after the scheduler; until the region is registered a sweep is retried this soon, not a sweep interval later.
    private static readonly TimeSpan RegionRetry = TimeSpan.FromMilliseconds(500);
    private const string RegionRetryKey = "sweep-when-region-ready";

    private readonly IScheduleStore _store;
    private readonly SchedulerSettings _settings;
    private readonly Func<IActorRef?> _providerRegion;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<ProviderKey, ScheduleChange> _pending = new();
    private HashSet<ProviderKey> _removalsInFlight = [];
    private readonly HashSet<string> _reportedProblems = new();
    private bool _ready;
    private bool _writing;
    private bool _sweeping;
    private bool _storeDown;
    private long _batchesWritten;
    private long _sweepsCompleted;

    public SchedulerActor(IScheduleStore store, SchedulerSettings settings, Func<IActorRef?> providerRegion)
    {
        _store = store;
        _settings = settings;
        _providerRegion = providerRegion;

        Receive<MirrorSchedule>(mirror => OnChange(mirror.Change));
        Receive<Flush>(_ => WriteBatch());
        Receive<BatchWritten>(OnBatchWritten);
        Receive<BatchFailed>(OnBatchFailed);
        Receive<Cleared>(OnCleared);
        Receive<Sweep>(_ => StartSweep());
        Receive<DuePageRead>(OnDuePage);
        Receive<SweepFailed>(failed => OnSweepFailed(failed.Cause));
        Receive<CurrentShardRegionState>(OnLocalPairs);
        Receive<GetSchedulerStatus>(_ => Sender.Tell(new SchedulerStatus(_pending.Count, _storeDown, _batchesWritten, _sweepsCompleted)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IScheduleStore store, SchedulerSettings settings, Func<IActorRef?> providerRegion) =>
        Akka.Actor.Props.Create(() => new SchedulerActor(store, settings, providerRegion));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(Flush.Instance, Flush.Instance, _settings.FlushInterval);
        if (!_settings.ClearOnStart)
        {
            OnCleared(new Cleared(null));
            return;
        }

        _log.Warning("[keep-alive] clear-on-start: deleting every key of the schedule schema");
        var self = Self;
        _store.ClearAsync().PipeTo(self, success: () => new Cleared(null), failure: ex => new Cleared(ex));
    }

    private void OnCleared(Cleared cleared)
    {
        if (cleared.Failure is not null)
            _log.Error("[keep-alive] clear-on-start failed, the stored schedule is kept: {0}", cleared.Failure.Message);
        // Writes wait for the clear, or it would wipe schedules registered while it ran.
        _ready = true;
        Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, TimeSpan.Zero, _settings.SweepInterval);
    }

    private void OnChange(ScheduleChange change)
    {
        _pending[change.Pair] = change;
        KeepAliveMetrics.SetPendingWrites(_pending.Count);
        if (_pending.Count >= _settings.MaxBatchSize) WriteBatch();
    }

    private void WriteBatch()
    {
        if (!_ready || _writing || _pending.Count == 0) return;
        var batch = _pending.Values.Take(_settings.MaxBatchSize).ToList();
        foreach (var change in batch) _pending.Remove(change.Pair);
        KeepAliveMetrics.SetPendingWrites(_pending.Count);
        _writing = true;
        _removalsInFlight = batch.OfType<ScheduleChange.Remove>().Select(remove => remove.Pair).ToHashSet();
        var self = Self;
        KeepAliveMetrics.MeasureBatch(_store.ApplyAsync(batch), batch.Count).PipeTo(self,
            success: () => new BatchWritten(batch),
            failure: ex => new BatchFailed(batch, ex));
    }

    private void OnBatchWritten(BatchWritten written)
    {
        _writing = false;
        _removalsInFlight = [];
        _batchesWritten++;
        if (_storeDown)
        {
            _storeDown = false;
            _log.Info("[keep-alive] schedule store reachable again; {0} pending change(s) follow", _pending.Count);
            // It may have come back empty (a Redis restart without persistence): the pairs living here write themselves again.
            _providerRegion()?.Tell(GetShardRegionState.Instance, Self);
        }

        if (_pending.Count >= _settings.MaxBatchSize) WriteBatch();
    }

    private void OnBatchFailed(BatchFailed failed)
    {
        _writing = false;
        _removalsInFlight = [];
        // A change that arrived while the batch was out is newer: it wins over the failed one.
        foreach (var change in failed.Batch) _pending.TryAdd(change.Pair, change);
        KeepAliveMetrics.SetPendingWrites(_pending.Count);
        if (_storeDown)
        {
            _log.Debug("[keep-alive] schedule store still unreachable; {0} change(s) pending", _pending.Count);
            return;
        }

        _storeDown = true;
        _log.Warning("[keep-alive] schedule store unreachable, pings go on from memory and {0} change(s) wait to be written: {1}",
            _pending.Count, failed.Cause.Message);
    }

    private void OnLocalPairs(CurrentShardRegionState state)
    {
        var region = _providerRegion()!;
        var pairs = 0;
        foreach (var entityId in state.Shards.SelectMany(shard => shard.EntityIds))
        {
            if (!ProviderKey.TryParse(entityId, out var pair)) continue;
            region.Tell(new ProviderProtocol.RewriteSchedule(pair), ActorRefs.Nobody);
            pairs++;
        }
        _log.Info("[keep-alive] asked the {0} pair(s) on this node to write their schedules again", pairs);
    }

    private void StartSweep()
    {
        if (_sweeping) return;
        if (_providerRegion() is null)
        {
            Timers.StartSingleTimer(RegionRetryKey, Sweep.Instance, RegionRetry);
            return;
        }

        _sweeping = true;
        ReadDuePage(null);
    }

    private void ReadDuePage(DueCursor? after)
    {
        // Look one sweep ahead, so a pair's actor is alive and armed before its wake-up, not a sweep late.
        var upTo = Context.System.Scheduler.Now + _settings.SweepInterval;
        var self = Self;
        _store.ReadDueAsync(upTo, after, _settings.SweepPageSize).PipeTo(self,
            success: page => new DuePageRead(page),
            failure: ex => new SweepFailed(ex));
    }

    private void OnDuePage(DuePageRead read)
    {
        foreach (var problem in read.Page.Problems)
        {
            if (_reportedProblems.Add(problem)) _log.Warning("[keep-alive] skipped stored data: {0}", problem);
        }

        var region = _providerRegion()!;
        foreach (var pair in read.Page.Due.Where(pair => !IsBeingRemoved(pair)))
            // The region acknowledges every StartEntity; Nobody drops the acks, which would otherwise be logged as unhandled.
            region.Tell(new ShardRegion.StartEntity(pair.EntityId), ActorRefs.Nobody);
        if (read.Page.Next is { } next)
        {
            ReadDuePage(next);
            return;
        }

        _sweeping = false;
        _sweepsCompleted++;
    }

    /// <summary>
    /// An unregistered pair stays in the store until its removal is written. Woken meanwhile, it would load
    /// its old schedule and mirror it back over the removal: it would never go.
    /// </summary>
    private bool IsBeingRemoved(ProviderKey pair) =>
        _pending.TryGetValue(pair, out var pending) ? pending is ScheduleChange.Remove : _removalsInFlight.Contains(pair);

    private void OnSweepFailed(Exception cause)
    {
        _sweeping = false;
        _log.Debug("[keep-alive] sweep of the stored schedule failed, retrying in {0}: {1}", _settings.SweepInterval, cause.Message);
    }
}
