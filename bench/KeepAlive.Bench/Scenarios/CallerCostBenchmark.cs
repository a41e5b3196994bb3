using Akka.Actor;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using KeepAlive.Actors.Pairs;
using KeepAlive.Bench.Infrastructure;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Bench.Scenarios;

/// <summary>
/// Figure 2 of docs/BENCHMARKS.md cross-checked with BenchmarkDotNet: mean cost and allocation of one RecordUsage tell.
/// In-process (the node must live in the benchmark's process) on the embedded store: the store is never touched on the
/// caller's thread. BenchmarkDotNet reports per-iteration means, so the tail (p99) comes from <see cref="CallerCostScenario"/>.
/// </summary>
[MemoryDiagnoser]
public class CallerCostBenchmark
{
    private const int Pairs = 1000;
    private KeepAliveTestNode _node = null!;
    private IActorRef _region = null!;
    private PairKey[] _pairs = null!;
    private string[] _models = null!;
    private string[] _hosts = null!;
    private int _next;

    public static void Run()
    {
        Report.Header("caller cost: BenchmarkDotNet (in-process, short run)");
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.ShortRun.WithToolchain(InProcessNoEmitToolchain.Instance)
                .WithInvocationCount(100_000).WithUnrollFactor(1))
            .WithOption(ConfigOptions.DisableLogFile, true);
        BenchmarkRunner.Run<CallerCostBenchmark>(config);
    }

    [GlobalSetup]
    public void Setup()
    {
        // BenchmarkDotNet's setup is synchronous; this is harness code, never the service's.
        _node = BenchNode.StartAsync(store: null).GetAwaiter().GetResult();
        _region = _node.Pairs;
        _pairs = Scenarios.Pairs.Make(Pairs, hosts: 50);
        _models = _pairs.Select(p => p.Model).ToArray();
        _hosts = _pairs.Select(p => p.Host).ToArray();
        foreach (var pair in _pairs) _region.Tell(new RecordUsage(pair, "5m"));
        _node.StatusOfAllAsync(_pairs).GetAwaiter().GetResult();
    }

    /// <summary>Lets the actors drain what the iteration told, so mailboxes stay bounded.</summary>
    [IterationCleanup]
    public void Drain() => _node.StatusOfAllAsync(_pairs).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _node.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "RecordUsage tell (message built per call)")]
    public void TellRecordUsage()
    {
        var i = _next++ % Pairs;
        _region.Tell(new RecordUsage(_models[i], _hosts[i], "5m"));
    }
}
