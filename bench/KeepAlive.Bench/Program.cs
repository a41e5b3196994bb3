using System.Diagnostics;
using KeepAlive.Bench.Infrastructure;
using KeepAlive.Bench.Scenarios;

// The benchmark harness of docs/BENCHMARKS.md. `all` runs every scenario in a process of its own, so heap and
// peak RSS figures are not inherited from an earlier scenario.
var scenarios = new Dictionary<string, Func<Task>>
{
    ["throughput"] = ThroughputScenario.RunAsync,
    ["caller"] = CallerCostScenario.RunAsync,
    ["caller-bdn"] = () => { CallerCostBenchmark.Run(); return Task.CompletedTask; },
    ["memory"] = MemoryScenario.RunAsync,
    ["recovery"] = RecoveryScenario.RunAsync,
    ["lateness"] = LatenessScenario.RunAsync,
};

var name = args.FirstOrDefault() ?? "help";
if (name == "all")
{
    Report.Machine();
    foreach (var scenario in scenarios.Keys)
    {
        using var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [scenario]) { UseShellExecute = false })!;
        await child.WaitForExitAsync();
        if (child.ExitCode != 0) Console.WriteLine($"scenario {scenario} failed with exit code {child.ExitCode}");
    }
    return 0;
}

if (!scenarios.TryGetValue(name, out var run))
{
    Console.WriteLine($"usage: dotnet run -c Release --project bench/KeepAlive.Bench -- <all|machine|{string.Join('|', scenarios.Keys)}>");
    if (name == "machine") Report.Machine();
    return name is "help" or "machine" ? 0 : 2;
}

await run();
return 0;
