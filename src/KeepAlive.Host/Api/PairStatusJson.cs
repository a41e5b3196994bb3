using System.Text.RegularExpressions;
using KeepAlive.Actors.Pairs;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Host.Api;

/// <summary>A pair's status as the API shows it: snake_case names, kebab-case states, no secrets.</summary>
public sealed record PairStatusJson(
    string Model,
    string Host,
    long KeepAliveSeconds,
    string State,
    DateTimeOffset? NextWakeUp,
    DateTimeOffset? LastUsage,
    LastPingJson? LastPing,
    int ConsecutiveFailures,
    string? LastSkip,
    string? Reason,
    string Node)
{
    public static PairStatusJson From(PairStatus status) => new(
        status.Pair.Model,
        status.Pair.Host,
        status.KeepAliveSeconds,
        StateName(status.State),
        status.NextWakeUp,
        status.LastUsage,
        status.LastPing is { } ping ? LastPingJson.From(ping) : null,
        status.ConsecutiveFailures,
        status.LastSkip,
        status.Reason,
        status.Node);

    /// <summary><c>IdleExpired</c> → <c>idle-expired</c>.</summary>
    public static string StateName(PairState state) => Regex.Replace(state.ToString(), "(?<!^)([A-Z])", "-$1").ToLowerInvariant();
}

/// <param name="Failure">Reason and detail of a failed ping; the sender never puts a token in it.</param>
public sealed record LastPingJson(DateTimeOffset At, string Outcome, int? HttpStatus, long LatencyMs, string? Failure)
{
    public static LastPingJson From(LastPing ping) =>
        new(ping.At, ping.Succeeded ? "succeeded" : "failed", ping.StatusCode, (long)ping.Latency.TotalMilliseconds, ping.Failure);
}

/// <summary>The answer to <c>POST /api/providers/ping</c> once the ping was sent: the pair and how its ping went.</summary>
public sealed record PingNowJson(string Model, string Host, DateTimeOffset At, string Outcome, int? HttpStatus, long LatencyMs, string? Failure)
{
    public static PingNowJson From(PairKey pair, LastPing ping)
    {
        var json = LastPingJson.From(ping);
        return new PingNowJson(pair.Model, pair.Host, json.At, json.Outcome, json.HttpStatus, json.LatencyMs, json.Failure);
    }
}

/// <param name="Count">Pairs in this answer.</param>
/// <param name="Total">Pairs that match the filter, on all pages.</param>
/// <param name="Now">The server's clock, so a page can count down to <c>next_wake_up</c> whatever its own clock says.</param>
public sealed record PairListJson(
    int Count,
    int Total,
    int Offset,
    int? Limit,
    DateTimeOffset Now,
    IReadOnlyList<PairStatusJson> Providers,
    IReadOnlyList<string> UnreachableNodes)
{
    public static PairListJson From(PairListing listing, PairQuery query)
    {
        var pairs = listing.Pairs.Select(PairStatusJson.From).ToArray();
        return new PairListJson(pairs.Length, listing.Total, query.Offset, query.Limit, DateTimeOffset.UtcNow, pairs, listing.UnreachableNodes);
    }
}
