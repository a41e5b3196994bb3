using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>Prints figures as `name: value` lines that docs/BENCHMARKS.md is filled from.</summary>
public static class Report
{
    public static void Header(string scenario) =>
        Console.WriteLine($"\n## {scenario}   ({DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)");

    public static void Line(string name, FormattableString value) =>
        Console.WriteLine($"{name}: {value.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Where <see cref="Figure"/> also writes, for <c>compare</c>; null: the console only.</summary>
    public static string? FiguresFile { get; set; }

    /// <summary>
    /// A figure docs/BENCHMARKS.md sets against its goal, before and after: printed as a line, and appended to
    /// <see cref="FiguresFile"/> as one <see cref="FigureRow"/>.
    /// </summary>
    public static void Figure(string scenario, string build, string figure, string goal, FormattableString value)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        Line(figure, $"{text} (goal: {goal})");
        if (FiguresFile is not null) File.AppendAllLines(FiguresFile, [new FigureRow(scenario, build, figure, goal, text).ToString()]);
    }

    public static void Machine()
    {
        Header("machine");
        Line("processors", $"{Environment.ProcessorCount}");
        Line("memory", $"{MemTotal()}");
        Line("runtime", $"{RuntimeInformation.FrameworkDescription} {RuntimeInformation.RuntimeIdentifier}");
        Line("os", $"{RuntimeInformation.OSDescription}");
        Line("gc", $"server={GCSettings.IsServerGC} latency={GCSettings.LatencyMode}");
        Line("stopwatch", $"{Stopwatch.Frequency} ticks/s");
    }

    /// <summary>p50/p99/p99.9/max of <paramref name="samples"/> (sorted in place), in the samples' unit.</summary>
    public static string Distribution(double[] samples, string unit, string format = "0.0")
    {
        if (samples.Length == 0) return "no samples";
        Array.Sort(samples);
        string F(double v) => v.ToString(format, CultureInfo.InvariantCulture);
        return $"n={samples.Length} p50={F(Percentile(samples, 50))} p90={F(Percentile(samples, 90))} p99={F(Percentile(samples, 99))} " +
               $"p99.9={F(Percentile(samples, 99.9))} max={F(samples[^1])} min={F(samples[0])} {unit}";
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The peak resident set (VmHWM) of this process or of the process <paramref name="pid"/>, in bytes.</summary>
    public static long PeakRss(int? pid = null)
    {
        foreach (var line in File.ReadLines($"/proc/{pid?.ToString(CultureInfo.InvariantCulture) ?? "self"}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        return (pid is { } id ? Process.GetProcessById(id) : Process.GetCurrentProcess()).PeakWorkingSet64;
    }

    public static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    private static string MemTotal() =>
        File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?["MemTotal:".Length..].Trim() ?? "unknown";
}

/// <summary>One figure of one build, a tab-separated line of the figures file.</summary>
public sealed record FigureRow(string Scenario, string Build, string Figure, string Goal, string Value)
{
    public override string ToString() => string.Join('\t', Scenario, Build, Figure, Goal, Value);

    public static FigureRow Parse(string line) =>
        line.Split('\t') is [var scenario, var build, var figure, var goal, var value]
            ? new FigureRow(scenario, build, figure, goal, value)
            : throw new FormatException($"Not a figure row: '{line}'.");
}
