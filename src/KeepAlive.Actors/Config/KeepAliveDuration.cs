using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace KeepAlive.Actors.Config;

/// <summary>What a <c>keep_alive</c> value means for a pair.</summary>
public abstract record KeepAliveValue
{
    private KeepAliveValue() { }

    /// <summary>Ping after the pair has been idle this long.</summary>
    public sealed record Every(TimeSpan Interval) : KeepAliveValue;

    /// <summary>A falsy value (<c>null</c>, <c>""</c>, <c>false</c>, <c>"0s"</c>): the pair is never pinged.</summary>
    public sealed record Off(string Reason) : KeepAliveValue;

    /// <summary>Not of the grammar: the pair is not scheduled and the reason says why.</summary>
    public sealed record Invalid(string Input, string Reason) : KeepAliveValue;
}

/// <summary>The one place that knows the duration grammar: <c>&lt;integer&gt;&lt;s|m|h&gt;</c>.</summary>
public static partial class KeepAliveDuration
{
    private const string Expected = "expected <integer><unit> with unit s, m or h, e.g. \"30s\", \"5m\", \"1h\"";
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    // The largest whole number of seconds a TimeSpan holds; anything above must be refused, not wrapped.
    private const long MaxSeconds = long.MaxValue / TimeSpan.TicksPerSecond;

    // Routers send the same few keep_alive values with every usage; bounded, so odd input cannot grow it without end.
    private static readonly ConcurrentDictionary<string, KeepAliveValue> Seen = new(StringComparer.Ordinal);
    private const int MaxSeen = 1024;

    /// <summary>
    /// <see cref="Parse"/> for the hot path: a value parsed before (one of the first <c>1024</c> distinct ones) is not
    /// matched again.
    /// </summary>
    public static KeepAliveValue ParseRepeated(string? text)
    {
        if (text is null) return Parse(text);
        if (Seen.TryGetValue(text, out var setting)) return setting;
        setting = Parse(text);
        if (Seen.Count < MaxSeen) Seen.TryAdd(text, setting);
        return setting;
    }

    /// <summary>Parses a keep_alive value. Never throws: bad input is an <see cref="KeepAliveValue.Invalid"/>.</summary>
    public static KeepAliveValue Parse(string? text)
    {
        if (text is null) return new KeepAliveValue.Off("keep_alive is not set");
        if (string.IsNullOrWhiteSpace(text)) return new KeepAliveValue.Off("keep_alive is empty");

        var match = Grammar().Match(text);
        if (!match.Success) return new KeepAliveValue.Invalid(text, Diagnose(text.Trim()));

        return FromParts(text, match.Groups["value"].Value, match.Groups["unit"].Value);
    }

    private static KeepAliveValue FromParts(string text, string digits, string unit)
    {
        var secondsPerUnit = char.ToLowerInvariant(unit[0]) switch
        {
            's' => 1L,
            'm' => 60L,
            _ => 3600L,
        };
        if (!long.TryParse(digits, out var value) || value > MaxSeconds / secondsPerUnit)
            return new KeepAliveValue.Invalid(text, $"too large: the longest keep_alive is {MaxSeconds}s");
        if (value == 0) return new KeepAliveValue.Off("keep_alive is zero");

        return new KeepAliveValue.Every(TimeSpan.FromSeconds(value * secondsPerUnit));
    }

    // Only runs on input the grammar refused, to tell the user which rule it broke.
    private static string Diagnose(string trimmed)
    {
        if (trimmed.StartsWith('-')) return $"negative durations are not allowed; {Expected}";
        if (trimmed.StartsWith('+')) return $"a sign is not allowed; {Expected}";
        if (CombinedUnits().IsMatch(trimmed)) return $"combined units are not supported, write one value in one unit (e.g. \"90m\" for 1h30m); {Expected}";
        if (Fraction().IsMatch(trimmed)) return $"fractions are not allowed, use a smaller unit (e.g. \"90s\" for 1.5m); {Expected}";

        var numberWithUnit = NumberWithWord().Match(trimmed);
        if (!numberWithUnit.Success) return Expected;
        var unit = numberWithUnit.Groups["unit"].Value;
        return unit.Length == 0 ? $"missing unit; {Expected}" : $"unknown unit '{unit}'; {Expected}";
    }

    // [0-9] rather than \d: \d also matches non-ASCII digits, which long.TryParse refuses.
    [GeneratedRegex(@"^\s*(?<value>[0-9]+)\s*(?<unit>[smh])\s*$", Options)]
    private static partial Regex Grammar();

    [GeneratedRegex(@"[0-9]\s*\p{L}+\s*[0-9]", Options)]
    private static partial Regex CombinedUnits();

    [GeneratedRegex(@"^[0-9]*[.,][0-9]+\s*\p{L}*$", Options)]
    private static partial Regex Fraction();

    [GeneratedRegex(@"^[0-9]+\s*(?<unit>\p{L}*)$", Options)]
    private static partial Regex NumberWithWord();
}
