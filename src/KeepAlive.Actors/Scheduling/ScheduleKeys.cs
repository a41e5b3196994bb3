using System.Text;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Scheduling;

/// <summary>
/// The Redis key layout the Python router's keep-alive monitor uses (docs/ARCHITECTURE.md, "Durable schedule"), spelt here and nowhere
/// else. Other programs (the router's scripts, dashboards) read these keys, so every name is part of the contract.
/// </summary>
public sealed class ScheduleKeys
{
    public const string DefaultPrefix = "keepalive";
    public const string ModelNameField = "model_name";
    public const string HostField = "host";
    public const string KeepAliveSecondsField = "keep_alive_seconds";

    public ScheduleKeys(string prefix)
    {
        if (string.IsNullOrWhiteSpace(prefix))
            throw new ArgumentException("The Redis key prefix must not be empty.", nameof(prefix));
        Prefix = prefix;
        NextWakeUp = $"{prefix}:providers:next_wakeup";
        var literal = EscapeGlob(prefix);
        ScanPatterns = [$"{literal}:provider:*", $"{literal}:model:*:hosts"];
    }

    public string Prefix { get; }

    /// <summary>The sorted set: member <see cref="Member"/>, score = next wake-up in whole Unix seconds.</summary>
    public string NextWakeUp { get; }

    /// <summary>SCAN patterns matching every provider hash and hosts set of this prefix (the sorted set is one fixed key).</summary>
    public IReadOnlyList<string> ScanPatterns { get; }

    /// <summary>The pair's hash: <see cref="ModelNameField"/>, <see cref="HostField"/>, <see cref="KeepAliveSecondsField"/>.</summary>
    public string Provider(PairKey pair) => $"{Prefix}:provider:{pair.Model}:{pair.Host}";

    /// <summary>The set of hosts that have keep-alive configured for the model.</summary>
    public string ModelHosts(string model) => $"{Prefix}:model:{model}:hosts";

    public static string Member(PairKey pair) => pair.EntityId;

    // A prefix holding glob characters must match only itself, not widen ClearAsync to other keys.
    private static string EscapeGlob(string literal)
    {
        var escaped = new StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
