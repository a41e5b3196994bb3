using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using KeepAlive.Actors.Pairs;
using static KeepAlive.Actors.Scheduling.SchedulerProtocol;

namespace KeepAlive.Actors.Scheduling;

/// <summary>Messages of <see cref="ScheduleSweeperActor"/>.</summary>
public static class SweeperProtocol
{
    public sealed class GetSweeperStatus
    {
        public static readonly GetSweeperStatus Instance = new();
        private GetSweeperStatus() { }
    }

    /// <param name="FullSweepsCompleted">Reads of the whole stored schedule that handed every pair over.</param>
    /// <param name="DueSweepsCompleted">Periodic reads of the pairs due within the next sweep interval.</param>
    /// <param name="PairsHandedOver">Stored schedules handed to pairs (and confirmed by them) since the sweeper started.</param>
    public sealed record SweeperStatus(long FullSweepsCompleted, long DueSweepsCompleted, long PairsHandedOver, bool Sweeping);
}

/// <summary>
/// Recovery rests on the durable schedule: one sweeper in the cluster (a cluster singleton, on the oldest node)
/// reads the stored schedule and hands each pair its stored schedule (<see cref="PairProtocol.ResumeSchedule"/>)
/// through the pair region, which starts the pair's actor wherever its shard lives now. A pair that runs already
/// keeps its own schedule.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Everything when it starts (a cluster's start, or the oldest node lost), and when a member is removed: the
/// pairs of a lost node start again on the others from their stored schedule.</item>
/// <item>Every <see cref="SchedulerSettings.SweepInterval"/>, the pairs due within the next interval: pairs written by
/// other programs, and any pair whose actor is gone, are alive before they are due.</item>
/// <item>Paced: the next page (<see cref="SchedulerSettings.SweepPageSize"/>) is read only while fewer than
/// <see cref="SchedulerSettings.SweepInFlight"/> handed-over schedules wait for their pair's confirmation, so a sweep of
/// a million pairs never floods the regions' buffers (which drop messages past their size), and pages overlap: a slow
/// pair does not hold up the next page.</item>
/// </list>
/// </remarks>
public sealed class ScheduleSweeperActor : ReceiveActor, IWithTimers
{
    private enum Reach
    {
        Due,
        Everything,
    }

    private sealed record Sweep(Reach Reach);

    private sealed class MemberGone
    {
        public static readonly MemberGone Instance = new();
        private MemberGone() { }
    }

    private sealed record PageRead(DuePage Page);

    private sealed record PageUnreadable(Exception Cause);

    private sealed record PageDelivered(int Pairs);

    private sealed record PageUndelivered(int Pairs, Exception Cause);

    /// <summary>One sweep in progress: where it reads next and what it waits for.</summary>
    private sealed class Run(Reach reach)
    {
        public Reach Reach { get; } = reach;

        /// <summary>Where the next page starts; null once the last page was read.</summary>
        public DueCursor? Next { get; set; }

        public bool AllRead { get; set; }

        public bool Reading { get; set; }

        /// <summary>Handed-over schedules whose pairs have not confirmed yet.</summary>
        public int InFlight { get; set; }

        public Exception? Failure { get; set; }

        public bool Done => (AllRead || Failure is not null) && !Reading && InFlight == 0;
    }

    // A page whose pairs do not all confirm within this is read again a moment later (a shard still finding its home).
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(10);

    // After a member is removed the shard coordinator waits the removal margin before it gives the member's shards a
    // new home; handed over sooner, the lost node's pairs would be sent to where they no longer live.
    private static readonly TimeSpan AfterCoordinator = TimeSpan.FromMilliseconds(500);

    // A full sweep that failed (store unreachable, regions not ready) is tried again this soon, not a sweep interval later.
    private static readonly TimeSpan FullSweepRetry = TimeSpan.FromSeconds(5);

    private readonly IScheduleStore _store;
    private readonly SchedulerSettings _settings;
    private readonly IActorRef _pairs;
    private readonly IActorRef _writer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _reportedProblems = [];
    private Run? _run;
    private bool _everythingRequested;
    private long _fullSweeps;
    private long _dueSweeps;
    private long _handedOver;

    public ScheduleSweeperActor(IScheduleStore store, SchedulerSettings settings, IActorRef pairs, IActorRef writer)
    {
        _store = store;
        _settings = settings;
        _pairs = pairs;
        _writer = writer;

        // Reads wait until the node's writer is ready: clear-on-start must not wipe what a sweep just handed over.
        Receive<Ready>(_ => OnReady());
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ClusterEvent.MemberRemoved>(removed => OnMemberRemoved(removed.Member));
        Receive<MemberGone>(_ => Request(Reach.Everything));
        Receive<Sweep>(sweep => Request(sweep.Reach));
        Receive<PageRead>(read => OnPageRead(read.Page));
        Receive<PageUnreadable>(unreadable => OnFailure(unreadable.Cause, reading: true));
        Receive<PageDelivered>(delivered => OnDelivered(delivered.Pairs));
        Receive<PageUndelivered>(undelivered =>
        {
            OnFailure(undelivered.Cause, reading: false);
            OnDelivered(undelivered.Pairs);
        });
        Receive<SweeperProtocol.GetSweeperStatus>(_ =>
            Sender.Tell(new SweeperProtocol.SweeperStatus(_fullSweeps, _dueSweeps, _handedOver, _run is not null)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IScheduleStore store, SchedulerSettings settings, IActorRef pairs, IActorRef writer) =>
        Akka.Actor.Props.Create(() => new ScheduleSweeperActor(store, settings, pairs, writer));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
        _writer.Tell(WhenReady.Instance);
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnReady()
    {
        Request(Reach.Everything);
        Timers.StartPeriodicTimer(nameof(Reach.Due), new Sweep(Reach.Due), _settings.SweepInterval);
    }

    private void OnMemberRemoved(Member member)
    {
        var margin = Cluster.Get(Context.System).DowningProvider.DownRemovalMargin + AfterCoordinator;
        _log.Info("[keep-alive] {Member} left the cluster; its pairs resume from the stored schedule in {Seconds:0.#} s", member.Address, margin.TotalSeconds);
        Timers.StartSingleTimer(nameof(MemberGone), MemberGone.Instance, margin);
    }

    private void Request(Reach reach)
    {
        if (_run is not null)
        {
            // A full sweep asked for during another one runs after it: the one running may have read past a lost node's pairs.
            if (reach == Reach.Everything) _everythingRequested = true;
            return;
        }

        _run = new Run(reach);
        ReadNextPage();
    }

    private void ReadNextPage()
    {
        var run = _run!;
        if (run.Reading || run.AllRead || run.Failure is not null || run.InFlight + _settings.SweepPageSize > _settings.SweepInFlight) return;
        run.Reading = true;
        // A due sweep looks one interval ahead, so a pair's actor is alive and armed before its wake-up.
        var upTo = run.Reach == Reach.Everything ? DateTimeOffset.MaxValue : Context.System.Scheduler.Now + _settings.SweepInterval;
        var self = Self;
        _store.ReadDueAsync(upTo, run.Next, _settings.SweepPageSize).PipeTo(self,
            success: page => new PageRead(page),
            failure: ex => new PageUnreadable(ex));
    }

    private void OnPageRead(DuePage page)
    {
        var run = _run!;
        run.Reading = false;
        run.Next = page.Next;
        run.AllRead = page.Next is null;
        foreach (var problem in page.Problems)
        {
            if (_reportedProblems.Add(problem)) _log.Warning("[keep-alive] skipped stored data: {Problem}", problem);
        }

        // Left over by the Python router's monitor (it removes them when it meets them): removed through the node's writer.
        foreach (var (pair, why) in page.LeftOver)
        {
            _log.Debug("[keep-alive] {Why} Removed from the schedule.", why);
            _writer.Tell(new MirrorSchedule(new ScheduleChange.Unschedule(pair)));
        }

        if (page.Due.Count > 0)
        {
            run.InFlight += page.Due.Count;
            var (self, count) = (Self, page.Due.Count);
            Task.WhenAll(page.Due.Select(stored => _pairs.Ask<Confirmed>(
                    new PairProtocol.ResumeSchedule(stored.Pair, stored.KeepAliveSeconds, stored.NextWakeUp!.Value), DeliveryTimeout)))
                .PipeTo(self, success: () => new PageDelivered(count), failure: ex => new PageUndelivered(count, ex));
        }

        Continue();
    }

    private void OnDelivered(int pairs)
    {
        _run!.InFlight -= pairs;
        _handedOver += pairs;
        Continue();
    }

    private void OnFailure(Exception cause, bool reading)
    {
        var run = _run!;
        if (reading) run.Reading = false;
        run.Failure ??= cause;
        Continue();
    }

    private void Continue()
    {
        var run = _run!;
        if (!run.Done)
        {
            ReadNextPage();
            return;
        }

        _run = null;
        if (run.Failure is { } failure)
        {
            _log.Debug("[keep-alive] sweep of the stored schedule failed, trying again: {Reason}", failure.Message);
            if (run.Reach == Reach.Everything) Timers.StartSingleTimer(nameof(FullSweepRetry), new Sweep(Reach.Everything), FullSweepRetry);
        }
        else if (run.Reach == Reach.Everything) _fullSweeps++;
        else _dueSweeps++;

        if (!_everythingRequested) return;
        _everythingRequested = false;
        Request(Reach.Everything);
    }
}
