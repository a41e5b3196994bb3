using StackExchange.Redis;

namespace KeepAlive.Actors.Hosts;

/// <summary>
/// llm-router's own record of which model occupies a host, read from the Redis it shares with the service: the hash
/// <c>host:&lt;host&gt;</c> (each of <c>/ : - . , ; space tab newline</c> in the host replaced by <c>_</c>, no prefix), field
/// <c>model</c>, which its load-balancing strategy sets to the model it last sent to the host.
/// </summary>
public sealed class RouterRedisOccupancy(IConnectionMultiplexer redis) : IHostFreeCheck
{
    private static readonly char[] ReplacedInKeys = ['/', ':', '-', '.', ',', ';', ' ', '\t', '\n'];

    public async Task<HostCheck> CheckAsync(string host, string model)
    {
        var occupant = Normalize(await redis.GetDatabase().HashGetAsync(KeyOf(host), "model"));
        return occupant.Length == 0 || occupant == Normalize(model) ? HostCheck.IsFree : HostCheck.BusyWith(occupant);
    }

    /// <summary>The router's key for <paramref name="host"/>.</summary>
    public static string KeyOf(string host)
    {
        var key = host;
        foreach (var replaced in ReplacedInKeys) key = key.Replace(replaced, '_');
        return "host:" + key;
    }

    /// <summary>The router's model-name rule for this comparison: trimmed, without a leading <c>model:</c>, then <c>host:</c>.</summary>
    public static string Normalize(string? name)
    {
        var normalized = (name ?? string.Empty).Trim();
        if (normalized.StartsWith("model:", StringComparison.Ordinal)) normalized = normalized["model:".Length..];
        if (normalized.StartsWith("host:", StringComparison.Ordinal)) normalized = normalized["host:".Length..];
        return normalized.Trim();
    }
}
