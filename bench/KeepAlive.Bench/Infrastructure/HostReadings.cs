using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>The API's pair listing: how many pairs it listed, how many of them have a next wake-up, and how long it took.</summary>
public sealed record Listing(int Listed, int Armed, TimeSpan Took);

/// <summary>
/// What a scenario reads from a host process from outside, the same on every build: series of its <c>/metrics</c>,
/// its API's pair listing (<c>GET /api/providers</c>), its log and its peak resident set.
/// </summary>
public sealed partial class HostReadings(HostProcess host) : IDisposable
{
    public const string ActivePairs = "keepalive_pairs_active";
    public const string PendingWrites = "keepalive_store_pending";

    // The console logger's level prefixes, e.g. "warn: Akka.Cluster.Sharding.Shard[0]".
    private static readonly string[] WarningOrAbove = ["warn:", "fail:", "crit:"];

    /// <summary>A client on the host's API, patient enough for 100,000 pairs: listing them asks every one, tens of seconds on a busy machine.</summary>
    public HttpClient Http { get; } = new() { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>The sum of every series named <paramref name="name"/> in the Prometheus text of <c>/metrics</c>; 0 when there is none yet.</summary>
    public async Task<long> MetricAsync(string name)
    {
        var text = await Http.GetStringAsync("/metrics");
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            // "name{labels} value [timestamp]" or "name value [timestamp]".
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' ')) continue;
            var afterLabels = line[(line[name.Length] == '{' ? line.IndexOf('}', name.Length) + 1 : name.Length)..];
            sum += double.Parse(afterLabels.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        }

        return (long)sum;
    }

    /// <summary>Polls <paramref name="name"/> until it reaches <paramref name="target"/> or <paramref name="bound"/> runs out; returns the last value.</summary>
    public async Task<long> WaitForMetricAsync(string name, long target, TimeSpan bound, TimeSpan every)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await MetricAsync(name);
            if (value >= target || clock.Elapsed >= bound) return value;
            await Task.Delay(every);
        }
    }

    /// <summary>Every pair the cluster lists, and those with a next wake-up (armed: their timer is set).</summary>
    public async Task<Listing> ListAsync()
    {
        var clock = Stopwatch.StartNew();
        await using var body = await Http.GetStreamAsync("/api/providers");
        using var listing = await JsonDocument.ParseAsync(body);
        var providers = listing.RootElement.GetProperty("providers");
        var armed = providers.EnumerateArray().Count(pair => pair.TryGetProperty("next_wake_up", out var next) && next.ValueKind == JsonValueKind.String);
        return new Listing(providers.GetArrayLength(), armed, clock.Elapsed);
    }

    /// <summary>How many log lines were warnings or worse, and the most frequent of them (the line after the level's).</summary>
    public string WarningsSummary()
    {
        var output = host.Output;
        var warnings = output.Select((line, i) => (line, i))
            .Where(entry => WarningOrAbove.Any(level => entry.line.StartsWith(level, StringComparison.Ordinal)))
            .Select(entry => entry.i + 1 < output.Count ? Shorten(output[entry.i + 1].Trim()) : string.Empty)
            .ToList();
        var frequent = warnings.GroupBy(message => message).OrderByDescending(group => group.Count()).Take(3)
            .Select(group => $"{group.Count():N0}× \"{group.Key}\"");
        return warnings.Count == 0 ? "none" : $"{warnings.Count:N0}; most frequent: {string.Join("; ", frequent)}";
    }

    /// <summary>The host process's peak resident set (VmHWM).</summary>
    public long PeakRss() => Report.PeakRss(host.Id);

    public void Dispose() => Http.Dispose();

    // Akka's lines open with [LEVEL][time][thread][source]; past those, messages carry ids and numbers after their
    // first words, so their first 80 characters group them well enough.
    private static string Shorten(string message)
    {
        var text = AkkaPrefix().Replace(message, string.Empty);
        return text.Length <= 80 ? text : text[..80] + "…";
    }

    [GeneratedRegex(@"^(\[[^\]]*\])+\s*")]
    private static partial Regex AkkaPrefix();
}
