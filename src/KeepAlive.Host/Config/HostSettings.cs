using System.Globalization;
using Akka.Cluster.Hosting.SBR;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Host.Config;

/// <summary>A host setting that cannot be used; the message names the setting and the value's problem.</summary>
public sealed class HostSettingsException(string message) : Exception(message);

/// <summary>Turns the bound <see cref="KeepAliveHostOptions"/> into the library's validated settings.</summary>
public static class HostSettings
{
    public static KeepAliveSettings ToKeepAliveSettings(this KeepAliveHostOptions options)
    {
        var defaults = new KeepAliveSettings();
        return Validated(() => (defaults with
        {
            PingTimeout = options.PingTimeout is null ? defaults.PingTimeout : Duration(nameof(options.PingTimeout), options.PingTimeout),
            MaxIdle = string.IsNullOrWhiteSpace(options.MaxIdle) ? null : Duration(nameof(options.MaxIdle), options.MaxIdle),
            PingPrompt = options.PingPrompt ?? defaults.PingPrompt,
            PingMaxTokens = options.PingMaxTokens is null ? defaults.PingMaxTokens : WholeNumber(nameof(options.PingMaxTokens), options.PingMaxTokens),
            PingTemperature = options.PingTemperature is null ? defaults.PingTemperature : Number(nameof(options.PingTemperature), options.PingTemperature),
        }).Validate());
    }

    public static SchedulerSettings ToSchedulerSettings(this KeepAliveHostOptions options)
    {
        var defaults = new SchedulerSettings();
        return Validated(() => (defaults with
        {
            FlushInterval = options.FlushInterval is null ? defaults.FlushInterval : Duration(nameof(options.FlushInterval), options.FlushInterval),
            SweepInterval = options.SweepInterval is null ? defaults.SweepInterval : Duration(nameof(options.SweepInterval), options.SweepInterval),
            ClearOnStart = options.ClearOnStart,
        }).Validate());
    }

    /// <summary>The usage recorder's settings: the library's defaults but for <c>--max-unconfirmed</c>.</summary>
    public static UsageRecorderSettings ToUsageRecorderSettings(this KeepAliveHostOptions options)
    {
        var defaults = new UsageRecorderSettings();
        return Validated(() => (defaults with
        {
            MaxUnconfirmed = options.MaxUnconfirmed is null ? defaults.MaxUnconfirmed : WholeNumber(nameof(options.MaxUnconfirmed), options.MaxUnconfirmed),
        }).Validate());
    }

    /// <summary>Whether pings are checked with the router's occupancy in Redis; needs the Redis to read it from.</summary>
    public static bool ChecksRouterOccupancy(this KeepAliveHostOptions options) =>
        !options.RouterOccupancy || !string.IsNullOrWhiteSpace(options.Redis)
            ? options.RouterOccupancy
            : throw new HostSettingsException(
                $"Setting {KeepAliveHostOptions.Section}:{nameof(options.RouterOccupancy)} (--router-occupancy) needs {KeepAliveHostOptions.Section}:{nameof(options.Redis)} (--redis): the router's occupancy is read from its Redis.");

    public static IReadOnlyList<string> SeedNodeList(this KeepAliveHostOptions options) => List(options.SeedNodes);

    /// <summary>The split brain resolver strategy; keep-majority unless the setting says keep-oldest.</summary>
    public static SplitBrainResolverOption ToSplitBrainResolver(this KeepAliveHostOptions options) =>
        options.SplitBrainResolver.Trim().ToLowerInvariant() switch
        {
            "keep-majority" => new KeepMajorityOption(),
            // Down the oldest too when it is alone: otherwise one isolated oldest node would down all the others.
            "keep-oldest" => new KeepOldestOption { DownIfAlone = true },
            _ => throw new HostSettingsException(
                $"Setting {KeepAliveHostOptions.Section}:{nameof(options.SplitBrainResolver)} = '{options.SplitBrainResolver}' must be keep-majority or keep-oldest."),
        };

    /// <summary>
    /// The resolver's stable-after and the down-removal margin as HOCON: Akka.Cluster.Hosting's options have no
    /// property for them. Why these defaults: README, "Running a cluster".
    /// </summary>
    public static string FailoverTimingHocon(this KeepAliveHostOptions options) => $"""
        akka.cluster.split-brain-resolver.stable-after = {Milliseconds(nameof(options.StableAfter), options.StableAfter)}ms
        akka.cluster.down-removal-margin = {Milliseconds(nameof(options.DownRemovalMargin), options.DownRemovalMargin)}ms
        """;

    private static long Milliseconds(string setting, string? value) => (long)Duration(setting, value).TotalMilliseconds;

    public static IReadOnlyList<string> RoleList(this KeepAliveHostOptions options) => List(options.Roles);

    /// <summary>
    /// With <c>--keepalive-role</c>, pairs, host gates and the sweeper live only on nodes whose <c>--roles</c> include it
    /// (give every node the same <c>--keepalive-role</c>, as sharding needs); a node without the role serves the API and
    /// passes usage on. Without it, every node hosts pairs.
    /// </summary>
    public static KeepAliveShardingSettings ToShardingSettings(this KeepAliveHostOptions options) =>
        new() { Role = string.IsNullOrWhiteSpace(options.KeepAliveRole) ? null : options.KeepAliveRole.Trim() };

    /// <summary>Whether this node hosts pairs: there is no keep-alive role, or its roles include it.</summary>
    public static bool HostsPairs(this KeepAliveHostOptions options) =>
        options.ToShardingSettings().Role is not { } role || options.RoleList().Contains(role);

    private static TimeSpan Duration(string setting, string? value) => KeepAliveDuration.Parse(value) switch
    {
        KeepAliveValue.Every every => every.Interval,
        KeepAliveValue.Invalid invalid => throw new HostSettingsException(
            $"Setting {KeepAliveHostOptions.Section}:{setting} = '{invalid.Input}' is not a duration: {invalid.Reason}."),
        _ => throw new HostSettingsException($"Setting {KeepAliveHostOptions.Section}:{setting} must be a positive duration such as 30s, 5m or 1h."),
    };

    private static int WholeNumber(string setting, string value) =>
        int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new HostSettingsException($"Setting {KeepAliveHostOptions.Section}:{setting} = '{value}' is not a whole number.");

    private static decimal Number(string setting, string value) =>
        decimal.TryParse(value.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new HostSettingsException($"Setting {KeepAliveHostOptions.Section}:{setting} = '{value}' is not a number such as 0.7.");

    private static T Validated<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException ex)
        {
            throw new HostSettingsException(ex.Message);
        }
    }

    private static IReadOnlyList<string> List(string? commaSeparated) =>
        (commaSeparated ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
