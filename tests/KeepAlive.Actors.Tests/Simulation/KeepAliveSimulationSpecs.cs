using System.Collections.Concurrent;
using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Hosts.HostGateProtocol;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;
using static KeepAlive.Testing.TestProviders;

namespace KeepAlive.Actors.Tests.Simulation;

/// <summary>
/// A day of traffic for 1,200 pairs (1,000, and 200 twins spelt another way), run on the real PairActor and HostGateActor in virtual time with the
/// library's default settings (the per-pair offset on) and pings that take time, compared ping by ping with
/// <see cref="ReferenceModel"/>.
/// </summary>
public sealed class KeepAliveSimulationSpecs : Akka.TestKit.Xunit2.TestKit
{
    // Warnings only: a day of 17,000 pings and 60,000 skips at Information would bury a failure's own message.
    private static readonly Akka.Configuration.Config VirtualTime = ConfigurationFactory.ParseString("""
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.loglevel = WARNING
        """);

    private static readonly TimeSpan MaxIdle = TimeSpan.FromHours(6);

    private readonly ITestOutputHelper _output;

    public KeepAliveSimulationSpecs(ITestOutputHelper output) : base(VirtualTime, nameof(KeepAliveSimulationSpecs), output)
    {
        _output = output;
    }

    [Fact]
    public void Ping_times_of_1200_pairs_over_24_virtual_hours_match_the_reference_model()
    {
        var scenario = new SimulationScenario(seed: 20261127, pairCount: 1000, duration: TimeSpan.FromHours(24));
        var reference = new ReferenceModel(scenario, MaxIdle);
        var expected = reference.Run();

        var actual = RunActors(scenario);

        foreach (var (rule, count) in reference.RuleCounts) _output.WriteLine($"{rule}: {count}");
        _output.WriteLine($"pings: {expected.Values.Sum(p => p.Count)}");
        // The scenario must exercise every rule, or agreement would prove little.
        string[] rules =
        [
            "busy-skip", "busy-skip-while-waiting", "waited-for-request", "waited-for-another-ping", "asked-again",
            "usage-during-ping", "failed-ping", "failed-after-usage-during-ping", "idle-expired", "unconfigured",
        ];
        Assert.All(rules,
            rule => Assert.True(reference.RuleCounts.GetValueOrDefault(rule) > 0, $"the scenario never hit '{rule}'"));

        var mismatches = scenario.Pairs
            .Where(pair => !expected[pair].SequenceEqual(actual[pair]))
            .Select(pair => Describe(pair, expected[pair], actual[pair]))
            .ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} pair(s) differ:\n{string.Join("\n", mismatches.Take(5))}");
    }

    private IActorRef Started(IActorRef actor) => VirtualTimeSpecs.Started(Sys, actor);

    private Dictionary<SimPair, List<TimeSpan>> RunActors(SimulationScenario scenario)
    {
        var scheduler = (TestScheduler)Sys.Scheduler;
        var start = scheduler.Now;
        var pings = scenario.Pairs.ToDictionary(p => p, _ => new List<TimeSpan>());
        var byKey = scenario.Pairs.ToDictionary(p => PairKey.From(p.Model, p.Host));

        var settings = new KeepAliveSettings { MaxIdle = MaxIdle };
        var catalog = new ProviderCatalogHolder(Catalog(
            scenario.Pairs.Where(p => p.Configured).Select(p => Provider("vllm", p.Host, p.Model, keepAlive: p.KeepAlive, id: $"id-{p.Index}"))));
        var gates = Started(Sys.ActorOf(Props.Create(() => new HostGates(settings)).WithDispatcher(CallingThreadDispatcher.Id)));
        Func<PairKey, DateTimeOffset, (bool Fails, TimeSpan Latency)> recordPing = (pair, now) =>
        {
            var simPair = byKey[pair];
            var at = now - start;
            pings[simPair].Add(at);
            return (scenario.IsDown(simPair.Host, at), scenario.LatencyOf(simPair, at));
        };
        var sender = Started(Sys.ActorOf(Props.Create(() => new RecordingPingSender(recordPing)).WithDispatcher(CallingThreadDispatcher.Id)));
        var deps = new PairDependencies(settings, catalog, gates, sender, ActorRefs.Nobody, NoSuccessor.Instance, Log);
        var providers = byKey.ToDictionary(
            kv => kv.Value,
            kv => Started(Sys.ActorOf(PairActor.Props(kv.Key, deps).WithDispatcher(CallingThreadDispatcher.Id))));

        var nextDue = ScheduledWork(scheduler);
        var events = scenario.Events;
        var next = 0;
        var end = start + scenario.Duration;
        while (true)
        {
            var nextTimer = nextDue();
            var nextEvent = next < events.Count ? start + events[next].At : DateTimeOffset.MaxValue;
            var at = nextTimer < nextEvent ? nextTimer : nextEvent;
            if (at > end) break;
            // Timers due now fire before the outside events of the same instant, as in the reference.
            scheduler.AdvanceTo(at);
            while (next < events.Count && start + events[next].At == at) Tell(events[next++], providers, gates);
        }

        return pings;
    }

    private static void Tell(SimEvent outside, IReadOnlyDictionary<SimPair, IActorRef> providers, IActorRef gates)
    {
        switch (outside)
        {
            case SimEvent.Usage usage:
                providers[usage.Pair].Tell(new PairProtocol.RecordUsage(usage.Pair.Model, usage.Pair.Host, usage.Pair.KeepAlive));
                break;
            case SimEvent.RequestStarted started:
                gates.Tell(new RequestStarted(started.Host));
                break;
            case SimEvent.RequestFinished finished:
                gates.Tell(new RequestFinished(finished.Host));
                break;
        }
    }

    /// <summary>
    /// The TestScheduler does not say when its next item is due, and Advance only fires what was due
    /// before the call; stepping to each due instant needs a look at its queue (keyed by UTC ticks).
    /// </summary>
    private static Func<DateTimeOffset> ScheduledWork(TestScheduler scheduler)
    {
        var work = typeof(TestScheduler).GetField("_scheduledWork", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(scheduler)!;
        var itemType = work.GetType().GetGenericArguments()[1];
        var earliest = typeof(KeepAliveSimulationSpecs).GetMethod(nameof(EarliestKey), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(itemType);
        var next = (Func<object, long>)Delegate.CreateDelegate(typeof(Func<object, long>), earliest);
        return () => next(work) is var ticks && ticks == long.MaxValue ? DateTimeOffset.MaxValue : new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    private static long EarliestKey<TItem>(object work)
    {
        var min = long.MaxValue;
        foreach (var entry in (ConcurrentDictionary<long, TItem>)work) min = Math.Min(min, entry.Key);
        return min;
    }

    private static string Describe(SimPair pair, List<TimeSpan> expected, List<TimeSpan> actual)
    {
        var index = expected.Zip(actual).TakeWhile(x => x.First == x.Second).Count();
        string At(List<TimeSpan> list) => index < list.Count ? list[index].ToString() : "none";
        return $"{pair.Model}|{pair.Host} every {pair.Interval}: ping #{index} expected at {At(expected)}, was at {At(actual)} " +
               $"(expected {expected.Count} pings, got {actual.Count})";
    }

    /// <summary>Stands in for the host gate shard region: one real HostGateActor per host.</summary>
    private sealed class HostGates : ReceiveActor
    {
        public HostGates(KeepAliveSettings settings)
        {
            var gates = new Dictionary<string, IActorRef>();
            Receive<IWithHost>(message =>
            {
                var host = PairKey.NormalizeHost(message.Host);
                if (!gates.TryGetValue(host, out var gate))
                {
                    gate = Context.ActorOf(HostGateActor.Props(host, settings).WithDispatcher(CallingThreadDispatcher.Id));
                    gates[host] = gate;
                }

                gate.Forward(message);
            });
        }
    }

    /// <summary>Answers every ping after its latency in virtual time; <c>ping</c> records it and says how it goes.</summary>
    private sealed class RecordingPingSender : ReceiveActor
    {
        public RecordingPingSender(Func<PairKey, DateTimeOffset, (bool Fails, TimeSpan Latency)> ping)
        {
            Receive<SendPing>(send =>
            {
                var (fails, latency) = ping(send.Pair, Context.System.Scheduler.Now);
                IPingOutcome outcome = fails
                    ? new PingFailed(send.Pair, PingFailureReason.HttpStatus, 503, latency, "backend down")
                    : new PingSucceeded(send.Pair, 200, latency);
                Context.System.Scheduler.ScheduleTellOnce(latency, Sender, outcome, Self);
            });
        }
    }
}

/// <summary>A simulated pair never moves.</summary>
internal sealed class NoSuccessor : ISuccessorRegions
{
    public static readonly NoSuccessor Instance = new();

    public ICanTell? For(PairKey pair) => null;
}
