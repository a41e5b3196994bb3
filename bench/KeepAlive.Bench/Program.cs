using KeepAlive.Bench.Infrastructure;
using KeepAlive.Bench.Scenarios;

// The benchmark harness of docs/BENCHMARKS.md.
var scenarios = new Dictionary<string, Func<BenchOptions, Task>>
{
    ["throughput"] = _ => ThroughputScenario.RunAsync(),
    ["caller"] = _ => CallerCostScenario.RunAsync(),
    ["caller-bdn"] = _ => { CallerCostBenchmark.Run(); return Task.CompletedTask; },
    ["lateness"] = _ => LatenessScenario.RunAsync(),
    [BurstScenario.Name] = BurstScenario.RunAsync,
    [RecoveryScenario.Name] = RecoveryScenario.RunAsync,
    [MemoryScenario.Name] = MemoryScenario.RunAsync,
    [FailoverScenario.Name] = FailoverScenario.RunAsync,
    [ListingScenario.Name] = ListingScenario.RunAsync,
};
// The scenarios that drive a KeepAlive.Host process, so any build's host can be measured: what `compare` runs.
string[] hostDriven = [BurstScenario.Name, RecoveryScenario.Name, MemoryScenario.Name, FailoverScenario.Name, ListingScenario.Name];

var name = args.FirstOrDefault() ?? "help";
BenchOptions options;
try
{
    options = BenchOptions.Parse(args.Skip(1).ToArray());
    var unknown = options.Scenarios.Where(scenario => !scenarios.ContainsKey(scenario)).ToList();
    if (unknown.Count > 0) throw new ArgumentException($"Unknown scenario(s) in --scenarios: {string.Join(", ", unknown)}.");
}
catch (ArgumentException ex)
{
    Console.WriteLine(ex.Message);
    return Usage();
}

Report.FiguresFile = options.FiguresFile;
switch (name)
{
    case "all":
        // Each scenario in a process of its own, so heap and peak RSS figures are not inherited from an earlier one.
        Report.Machine();
        foreach (var scenario in scenarios.Keys) await ScenarioProcesses.RunAsync(scenario, options.ScenarioArguments(options.Host, options.FiguresFile));
        return 0;
    case "compare":
        Report.Machine();
        return await ScenarioProcesses.CompareAsync(options, options.Scenarios.Count > 0 ? options.Scenarios : hostDriven);
    case "machine":
        Report.Machine();
        return 0;
}

if (!scenarios.TryGetValue(name, out var run)) return name == "help" ? Usage(0) : Usage();
await run(options);
return 0;

int Usage(int exitCode = 2)
{
    Console.WriteLine($"usage: dotnet run -c Release --project bench/KeepAlive.Bench -- <all|machine|compare|{string.Join('|', scenarios.Keys)}> [flags]");
    Console.WriteLine("  --pairs N (burst, recovery, memory, listing; default 100,000)  --runs N (failover; 3)  --concurrency N, --batch N (burst; 8, 1,000)");
    Console.WriteLine("  --host PATH, --label TEXT: the KeepAlive.Host executable a host-driven scenario runs (default: the one built next to the bench)");
    Console.WriteLine($"  compare --build LABEL=PATH ... [--scenarios {string.Join(',', hostDriven)}]: the scenarios against each build, one table");
    return exitCode;
}
