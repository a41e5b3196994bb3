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

    /// <summary>The process's peak resident set (VmHWM), in bytes.</summary>
    public static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }

    public static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    private static string MemTotal() =>
        File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?["MemTotal:".Length..].Trim() ?? "unknown";
}
