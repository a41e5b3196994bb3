using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using Xunit;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Pairs;

/// <summary>A ping asked for now (<c>POST /api/providers/ping</c>) in the pair's rules, as plain values.</summary>
public sealed class PingNowSpecs
{
    private static readonly PairKey Pair = PairKey.From("google/gemma-3-12b-it", "http://10.0.0.5:7000");
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(300);
    private static readonly PingTarget Vllm = new PingTarget.Pingable("vllm");
    private static readonly KeepAliveSettings Settings = new() { SpreadFraction = 0, MaxIdle = TimeSpan.FromMinutes(10) };

    private static readonly DateTimeOffset Asked = T0 + TimeSpan.FromSeconds(30);

    [Fact]
    public void A_scheduled_pair_asks_its_host_at_once_without_reading_the_store_and_counts_its_next_ping_from_this_one()
    {
        var asked = Scheduled().OnPingNow(Asked, Vllm);

        Assert.Equal(new PairPhase.AwaitingHost(Asked, 1), asked.Schedule.Phase);
        Assert.Equal(new PairDecisions { RequestLease = 1 }, asked.Decisions);

        var pinging = asked.Schedule.OnLeaseGranted(1, Asked, Vllm);
        Assert.True(pinging.Decisions.SendPing);
        var done = pinging.Schedule.OnPingSucceeded(200, Latency, Asked + Latency);

        Assert.Equal(new PingNowAnswered(Pair, PingNowOutcome.Pinged, new LastPing(Asked, true, 200, Latency, null), null), done.Decisions.AnswerPingNow);
        Assert.Equal(new PairPhase.Scheduled(Asked + Latency + Interval), done.Schedule.Phase);
        Assert.Null(done.Schedule.Demand);
    }

    [Fact]
    public void On_a_busy_host_the_pair_keeps_its_own_schedule_and_the_asker_learns_the_occupant()
    {
        var waiting = Scheduled().OnPingNow(Asked, Vllm).Schedule;

        var busy = waiting.OnHostBusy(1, "llama", Asked);

        Assert.Equal(new PingNowAnswered(Pair, PingNowOutcome.HostBusy, null, "llama"), busy.Decisions.AnswerPingNow);
        Assert.Equal(new PairPhase.Scheduled(T0 + Interval), busy.Schedule.Phase);
        Assert.Equal(T0 + Interval, busy.Decisions.WakeAt);
        // Not a skip of the pair's own ping: nothing counted, nothing written, no last_skip.
        Assert.Null(busy.Decisions.Metric);
        Assert.Null(busy.Decisions.Mirror);
        Assert.Null(busy.Schedule.LastSkip);
    }

    [Fact]
    public void A_pair_without_usage_is_pinged_and_stays_without_a_schedule_and_writes_nothing()
    {
        var asked = Fresh().OnPingNow(Asked, Vllm);
        var pinging = asked.Schedule.OnLeaseGranted(1, Asked, Vllm);
        var done = pinging.Schedule.OnPingSucceeded(200, Latency, Asked + Latency);

        Assert.True(pinging.Decisions.SendPing);
        Assert.Null(pinging.Decisions.Mirror);
        Assert.Equal(PairPhase.Fresh.Instance, done.Schedule.Phase);
        Assert.Null(done.Decisions.Mirror);
        Assert.Null(done.Decisions.WakeAt);
        Assert.Equal(1, done.Decisions.ReleaseLease);
        Assert.Equal(PingNowOutcome.Pinged, done.Decisions.AnswerPingNow!.Outcome);
        Assert.True(done.Schedule.LastPing!.Succeeded);
    }

    [Fact]
    public void A_pair_without_usage_uses_the_providers_keep_alive_for_the_request_or_ollamas_default()
    {
        ProviderConfig Provider(string? keepAlive) => new("llama", "p", "ollama", "http://10.0.0.5:11434", "", "", keepAlive, KeepAliveMode.Chat);

        Assert.Equal(TimeSpan.FromMinutes(30), Fresh().PingRequestInterval(Provider("30m")));
        Assert.Equal(PairSchedule.UnscheduledPingKeepAlive, Fresh().PingRequestInterval(Provider(null)));
        Assert.Equal(Interval, Scheduled().PingRequestInterval(Provider("30m")));
    }

    [Fact]
    public void An_idle_expired_pair_that_is_pinged_on_request_stays_idle()
    {
        var idle = Scheduled().OnDue(T0 + Settings.MaxIdle!.Value, Vllm).Schedule;
        Assert.IsType<PairPhase.IdleExpired>(idle.Phase);

        var pinging = idle.OnPingNow(T0 + TimeSpan.FromMinutes(11), Vllm).Schedule.OnLeaseGranted(1, T0 + TimeSpan.FromMinutes(11), Vllm);
        var failed = pinging.Schedule.OnPingFailed(KeepAlive.Actors.Pinging.PingFailureReason.HttpStatus, 503, Latency, "HTTP 503", T0 + TimeSpan.FromMinutes(11));

        Assert.Null(pinging.Decisions.Mirror);
        Assert.IsType<PairPhase.IdleExpired>(failed.Schedule.Phase);
        Assert.Null(failed.Decisions.WakeAt);
        Assert.False(failed.Decisions.AnswerPingNow!.Ping!.Succeeded);
    }

    [Fact]
    public void A_second_ask_shares_the_pending_ping()
    {
        var waiting = Scheduled().OnPingNow(Asked, Vllm).Schedule;

        var again = waiting.OnPingNow(Asked + TimeSpan.FromSeconds(1), Vllm);

        Assert.Same(waiting, again.Schedule);
        Assert.Equal(default, again.Decisions);
    }

    [Fact]
    public void A_pair_already_due_or_pinging_answers_with_that_ping()
    {
        var pinging = Scheduled().OnDue(T0 + Interval, Vllm).Schedule.OnLeaseGranted(1, T0 + Interval, Vllm).Schedule;

        var joined = pinging.OnPingNow(T0 + Interval, Vllm);
        var done = joined.Schedule.OnPingSucceeded(200, Latency, T0 + Interval + Latency);

        Assert.Equal(default, joined.Decisions);
        Assert.Equal(PingNowOutcome.Pinged, done.Decisions.AnswerPingNow!.Outcome);
        Assert.Equal(new PairPhase.Scheduled(T0 + Interval + Latency + Interval), done.Schedule.Phase);
    }

    [Fact]
    public void A_pair_reading_its_stored_wake_up_before_pinging_asks_its_host_at_once_instead()
    {
        var checking = Scheduled().OnDue(T0 + Interval, Vllm, storeSharedWithOtherWriters: true).Schedule;
        Assert.IsType<PairPhase.CheckingStore>(checking.Phase);

        var asked = checking.OnPingNow(T0 + Interval, Vllm);

        Assert.Equal(new PairPhase.AwaitingHost(T0 + Interval, 1), asked.Schedule.Phase);
        Assert.Equal(1, asked.Decisions.RequestLease);
        // The store's answer, when it comes, is for a phase the pair has left.
        Assert.Same(asked.Schedule, asked.Schedule.OnStoreChecked(new StoreCheck(1, BeforePing: true), false, T0 + Interval * 3).Schedule);
    }

    [Fact]
    public void Without_a_usable_provider_the_asker_is_answered_at_once_and_nothing_changes()
    {
        var scheduled = Scheduled();

        var asked = scheduled.OnPingNow(Asked, new PingTarget.NotPingable("no provider in models-config for this model and host"));

        Assert.Same(scheduled, asked.Schedule);
        Assert.Equal(new PairDecisions { AnswerPingNow = new PingNowAnswered(Pair, PingNowOutcome.NotPingable, null, "no provider in models-config for this model and host") },
            asked.Decisions);
    }

    [Fact]
    public void Usage_while_the_ask_waits_for_the_host_keeps_its_place_and_becomes_the_schedule_it_resumes()
    {
        var waiting = Scheduled().OnPingNow(Asked, Vllm).Schedule;
        var used = Asked + TimeSpan.FromSeconds(5);

        var usage = waiting.OnUsage(Every(Interval), used);

        Assert.Equal(new PairPhase.AwaitingHost(Asked, 1), usage.Schedule.Phase);
        Assert.Null(usage.Decisions.ReleaseLease);
        Assert.Null(usage.Decisions.WakeAt);
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, used + Interval), usage.Decisions.Mirror);
        var busy = usage.Schedule.OnHostBusy(1, "llama", used);
        Assert.Equal(new PairPhase.Scheduled(used + Interval), busy.Schedule.Phase);
    }

    [Fact]
    public void Usage_during_the_ping_of_a_pair_without_usage_gives_it_its_cycle_after_the_ping()
    {
        var pinging = Fresh().OnPingNow(Asked, Vllm).Schedule.OnLeaseGranted(1, Asked, Vllm).Schedule;

        var used = pinging.OnUsage(Every(Interval), Asked + Latency / 2).Schedule;
        var done = used.OnPingSucceeded(200, Latency, Asked + Latency);

        Assert.Equal(new PairPhase.Scheduled(Asked + Latency + Interval), done.Schedule.Phase);
        Assert.Equal(new ScheduleChange.Upsert(Pair, 120, Asked + Latency + Interval), done.Decisions.Mirror);
    }

    [Fact]
    public void Unregistered_or_handed_off_while_it_waits_the_asker_is_told_to_ask_again()
    {
        var waiting = Scheduled().OnPingNow(Asked, Vllm).Schedule;

        var unregistered = waiting.OnUnregister();
        var handedOff = waiting.OnHandOff(successorKnown: true);

        Assert.Equal(PingNowOutcome.Interrupted, unregistered.Decisions.AnswerPingNow!.Outcome);
        Assert.Equal(PingNowOutcome.Interrupted, handedOff.Decisions.AnswerPingNow!.Outcome);
        Assert.Equal(1, handedOff.Decisions.ReleaseLease);
        Assert.Equal(PingNowOutcome.Interrupted, unregistered.Schedule.OnPingNow(Asked, Vllm).Decisions.AnswerPingNow!.Outcome);
    }

    [Fact]
    public void Models_config_that_lost_the_provider_while_the_ask_waited_answers_not_pingable_and_the_pair_resumes()
    {
        var waiting = Scheduled().OnPingNow(Asked, Vllm).Schedule;

        var granted = waiting.OnLeaseGranted(1, Asked, new PingTarget.NotPingable("api_type 'x' is not supported"));

        Assert.Equal(PingNowOutcome.NotPingable, granted.Decisions.AnswerPingNow!.Outcome);
        Assert.Equal(1, granted.Decisions.ReleaseLease);
        Assert.Equal(new PairPhase.Scheduled(T0 + Interval), granted.Schedule.Phase);
    }

    private static PairSchedule Fresh() => PairSchedule.Fresh(Pair, Settings);

    private static KeepAliveValue Every(TimeSpan interval) => new KeepAliveValue.Every(interval);

    private static PairSchedule Scheduled() => Fresh().OnUsage(Every(Interval), T0).Schedule;
}
