using System.Diagnostics;
using System.Globalization;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// Runs scenarios each in a process of its own, so heap and peak-RSS figures are not inherited from an earlier
/// scenario; and <c>compare</c>: the same scenarios against several host builds, side by side in one table.
/// </summary>
public static class ScenarioProcesses
{
    /// <returns>Whether the scenario's process exited with 0.</returns>
    public static async Task<bool> RunAsync(string scenario, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        // Run as `dotnet KeepAlive.Bench.dll`, the process is dotnet itself: the child needs the assembly again.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(ScenarioProcesses).Assembly.Location);
        start.ArgumentList.Add(scenario);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var child = Process.Start(start)!;
        await child.WaitForExitAsync();
        if (child.ExitCode != 0) Console.WriteLine($"scenario {scenario} failed with exit code {child.ExitCode}");
        return child.ExitCode == 0;
    }

    /// <summary>
    /// Every scenario against every build, the builds taking turns per scenario so that a change in the machine's
    /// load falls on both alike; then one table, a column per build, with the load average each run started at.
    /// </summary>
    public static async Task<int> CompareAsync(BenchOptions options, IReadOnlyList<string> scenarios)
    {
        if (options.Builds.Count == 0) throw new ArgumentException("compare needs --build LABEL=PATH, once per build.");
        var figures = Path.Combine(Path.GetTempPath(), $"keepalive-bench-figures-{Guid.NewGuid():N}.tsv");
        try
        {
            var failed = 0;
            foreach (var scenario in scenarios)
            {
                foreach (var build in options.Builds)
                {
                    await File.AppendAllLinesAsync(figures, [new FigureRow(scenario, build.Label, "load average at the start (1 / 5 / 15 min)", "—", LoadAverage()).ToString()]);
                    if (!await RunAsync(scenario, options.ScenarioArguments(build, figures))) failed++;
                }
            }

            Report.Header($"compare: {string.Join(" vs ", options.Builds.Select(build => build.ToString()))}");
            Console.WriteLine(Table(File.ReadAllLines(figures).Select(FigureRow.Parse).ToList(), options.Builds));
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            File.Delete(figures);
        }
    }

    private static string Table(IReadOnlyList<FigureRow> rows, IReadOnlyList<HostBuild> builds)
    {
        var lines = new List<string>
        {
            $"| scenario | figure | goal | {string.Join(" | ", builds.Select(build => build.Label))} |",
            $"|---|---|---|{string.Concat(builds.Select(_ => "---|"))}",
        };
        foreach (var figure in rows.GroupBy(row => (row.Scenario, row.Figure)))
        {
            var values = builds.Select(build => figure.LastOrDefault(row => row.Build == build.Label)?.Value ?? "—");
            lines.Add($"| {figure.Key.Scenario} | {figure.Key.Figure} | {figure.First().Goal} | {string.Join(" | ", values)} |");
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static string LoadAverage() =>
        string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(load => double.Parse(load, CultureInfo.InvariantCulture).ToString("0.0", CultureInfo.InvariantCulture)));
}
