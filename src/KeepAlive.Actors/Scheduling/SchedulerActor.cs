using Akka.Actor;
using Akka.Event;
using KeepAlive.Actors.Pairs;
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

    /// <summary>
    /// How often the sorted set is read for pairs due within the next interval, which are handed their stored schedule
    /// (pairs written by other programs, or whose actor is gone). The whole set is read at start and when a member leaves.
    /// </summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Members read per sweep request (<c>ZRANGE ... BYSCORE LIMIT</c>).</summary>
    public int SweepPageSize { get; init; } = 1000;

    /// <summary>
    /// Stored schedules a sweep hands over before their pairs confirm; the next page waits past it. Well under a shard
    /// region's buffer (100,000 messages by default), which drops what does not fit while shards find their home.
    /// </summary>
    public int SweepInFlight { get; init; } = 10_000;

    /// <summary>Delete every key of the schema before the first sweep (the Python router's monitor's clear_buffers). Wipes shared state.</summary>
    public bool ClearOnStart { get; init; }

    /// <exception cref="ArgumentException">names the first invalid setting.</exception>
    public SchedulerSettings Validate()
    {
        Require(FlushInterval > TimeSpan.Zero, nameof(FlushInterval), "must be positive");
        Require(MaxBatchSize > 0, nameof(MaxBatchSize), "must be at least 1");
        Require(SweepInterval > TimeSpan.Zero, nameof(SweepInterval), "must be positive");
        Require(SweepPageSize > 0, nameof(SweepPageSize), "must be at least 1");
        Require(SweepInFlight >= SweepPageSize, nameof(SweepInFlight), "must be at least the sweep page size");
        return this;
    }

    private static void Require(bool condition, string setting, string reason) =>
        SettingCheck.Require(condition, "KeepAlive scheduler setting", setting, reason);
}

/// <summary>
/// One per node, the only writer of the schema for the pairs living on the node. Coalesces their schedule changes
/// (latest wins per pair) and writes them in batches; keeps them through store outages and writes them when the
/// store is back. Reading the schedule back is the <see cref="ScheduleSweeperActor"/>'s job.
/// </summary>
public sealed class SchedulerActor : ReceiveActor, IWithTimers
{
    private sealed class Flush
    {
        public static readonly Flush Instance = new();
        private Flush() { }
    }

    private sealed record BatchWritten(IReadOnlyList<ScheduleChange> Batch);

    private sealed record BatchFailed(IReadOnlyList<ScheduleChange> Batch, Exception Cause);

    private sealed record Cleared(Exception? Failure);

    private readonly IScheduleStore _store;
    private readonly SchedulerSettings _settings;
    private readonly INodeStanding _standing;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<PairKey, ScheduleChange> _pending = new();
    private readonly List<IActorRef> _waitingForReady = [];
    private readonly List<IActorRef> _waitingForAllWritten = [];
    // The batch being written; one at a time.
    private IReadOnlyDictionary<PairKey, ScheduleChange> _writing = new Dictionary<PairKey, ScheduleChange>();
    private bool _ready;
    private bool _storeDown;
    private bool _heldForStanding;
    private StoreBacklog _backlog = null!;

    public SchedulerActor(IScheduleStore store, SchedulerSettings settings, INodeStanding standing)
    {
        _store = store;
        _settings = settings;
        _standing = standing;

        Receive<MirrorSchedule>(mirror => OnChange(mirror.Change));
        Receive<HandedOver>(handedOver => OnHandedOver(handedOver.Pair));
        Receive<CheckStoredWakeUp>(check => OnCheckStoredWakeUp(check.Pair, check.Check));
        Receive<Flush>(_ => WriteBatch());
        Receive<BatchWritten>(OnBatchWritten);
        Receive<BatchFailed>(OnBatchFailed);
        Receive<Cleared>(OnCleared);
        Receive<WhenReady>(_ => OnWhenReady());
        Receive<WriteEverything>(_ => OnWriteEverything());
        Receive<GetSchedulerStatus>(_ => Sender.Tell(new SchedulerStatus(PendingCount, _storeDown)));
    }

    /// <summary>Changes not in the store yet: queued, or in the batch being written.</summary>
    private int PendingCount => _pending.Count + _writing.Keys.Count(pair => !_pending.ContainsKey(pair));

    // What the backlog gauge shows, on every change: a pair both queued and in the batch counts twice, which costs
    // nothing, where counting it once (PendingCount) would walk the batch on every change.
    private int QueuedOrWriting => _pending.Count + _writing.Count;

    private bool Writing => _writing.Count > 0;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IScheduleStore store, SchedulerSettings settings, INodeStanding standing) =>
        Akka.Actor.Props.Create(() => new SchedulerActor(store, settings, standing));

    protected override void PreStart()
    {
        _backlog = KeepAliveMetrics.ObserveBacklog(((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString());
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

    protected override void PostStop() => _backlog.Dispose();

    private void OnCleared(Cleared cleared)
    {
        if (cleared.Failure is not null)
            _log.Error("[keep-alive] clear-on-start failed, the stored schedule is kept: {Reason}", cleared.Failure.Message);
        // Writes wait for the clear, or it would wipe schedules registered while it ran; so do reads.
        _ready = true;
        foreach (var waiter in _waitingForReady) waiter.Tell(Ready.Instance);
        _waitingForReady.Clear();
    }

    private void OnWhenReady()
    {
        if (_ready) Sender.Tell(Ready.Instance);
        else _waitingForReady.Add(Sender);
    }

    private void OnCheckStoredWakeUp(PairKey pair, StoreCheck check)
    {
        var asker = Sender;
        if (_pending.ContainsKey(pair) || _writing.ContainsKey(pair))
        {
            asker.Tell(new StoredWakeUpChecked(check, OwnChangePending: true, null));
            return;
        }

        // A store that cannot be read says nothing about other writers: the pair goes on as it would.
        _store.LoadAsync(pair).PipeTo(asker,
            success: loaded => new StoredWakeUpChecked(check, false, loaded.Schedule?.NextWakeUp),
            failure: _ => new StoredWakeUpChecked(check, false, null));
    }

    private void OnHandedOver(PairKey pair)
    {
        if (_pending.TryGetValue(pair, out var change) && change is ScheduleChange.Upsert) _pending.Remove(pair);
        _backlog.Changed(QueuedOrWriting);
    }

    /// <summary>Coordinated shutdown: the pairs handed off their schedules; what waits here goes to the store before the node stops.</summary>
    private void OnWriteEverything()
    {
        _waitingForAllWritten.Add(Sender);
        WriteBatch();
        AnswerAllWrittenWhenDone();
    }

    private void AnswerAllWrittenWhenDone()
    {
        var cannotWrite = _storeDown || _heldForStanding;
        if (_waitingForAllWritten.Count == 0 || (!cannotWrite && (Writing || _pending.Count > 0))) return;
        foreach (var waiter in _waitingForAllWritten) waiter.Tell(new AllWritten(PendingCount));
        _waitingForAllWritten.Clear();
    }

    private void OnChange(ScheduleChange change)
    {
        _pending[change.Pair] = change;
        _backlog.Changed(QueuedOrWriting);
        if (_pending.Count >= _settings.MaxBatchSize) WriteBatch();
    }

    private void WriteBatch()
    {
        if (!_ready || Writing || _pending.Count == 0 || !HasStanding()) return;
        var batch = _pending.Values.Take(_settings.MaxBatchSize).ToList();
        foreach (var change in batch) _pending.Remove(change.Pair);
        _writing = batch.ToDictionary(change => change.Pair);
        var self = Self;
        KeepAliveMetrics.MeasureBatch(_store.ApplyAsync(batch)).PipeTo(self,
            success: () => new BatchWritten(batch),
            failure: ex => new BatchFailed(batch, ex));
    }

    /// <summary>
    /// A node that has lost its standing holds its writes: its pairs may live on another node now, whose newer
    /// schedules these writes would overwrite. A node that was only paused writes them once it has its standing back.
    /// </summary>
    private bool HasStanding()
    {
        if (_standing.MayAct)
        {
            _heldForStanding = false;
            return true;
        }

        if (!_heldForStanding)
            _log.Warning("[keep-alive] this node was downed or paused: {Pending} schedule change(s) are held, not written over other nodes' schedules", _pending.Count);
        _heldForStanding = true;
        AnswerAllWrittenWhenDone();
        return false;
    }

    private void OnBatchWritten(BatchWritten written)
    {
        _writing = new Dictionary<PairKey, ScheduleChange>();
        _backlog.BatchWritten(QueuedOrWriting);
        if (_storeDown)
        {
            _storeDown = false;
            _log.Info("[keep-alive] schedule store reachable again; {Pending} pending change(s) follow", _pending.Count);
            // It may have come back empty (a Redis restart without persistence): the pairs living here write themselves again.
            Context.System.EventStream.Publish(StoreReachableAgain.Instance);
        }

        if (_pending.Count >= _settings.MaxBatchSize || _waitingForAllWritten.Count > 0) WriteBatch();
        AnswerAllWrittenWhenDone();
    }

    private void OnBatchFailed(BatchFailed failed)
    {
        _writing = new Dictionary<PairKey, ScheduleChange>();
        // A change that arrived while the batch was out is newer: it wins over the failed one.
        foreach (var change in failed.Batch) _pending.TryAdd(change.Pair, change);
        _backlog.Changed(QueuedOrWriting);
        if (_storeDown)
        {
            _log.Debug("[keep-alive] schedule store still unreachable; {Pending} change(s) pending", _pending.Count);
        }
        else
        {
            _storeDown = true;
            _log.Warning("[keep-alive] schedule store unreachable, pings go on from memory and {Pending} change(s) wait to be written: {Reason}",
                _pending.Count, failed.Cause.Message);
        }

        AnswerAllWrittenWhenDone();
    }}
