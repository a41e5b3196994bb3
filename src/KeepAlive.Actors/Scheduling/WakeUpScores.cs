namespace KeepAlive.Actors.Scheduling;

/// <summary>The sorted set's score rule: a wake-up is stored as whole Unix seconds.</summary>
internal static class WakeUpScores
{
    private static readonly long LatestSecond = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Rounds up, so a stored wake-up is never earlier than the real one.</summary>
    public static long ToScore(DateTimeOffset wakeUp)
    {
        var seconds = wakeUp.ToUnixTimeSeconds();
        return wakeUp.UtcTicks % TimeSpan.TicksPerSecond == 0 ? seconds : seconds + 1;
    }

    /// <summary>The wake-up as the store gives it back.</summary>
    public static DateTimeOffset Round(DateTimeOffset wakeUp) => DateTimeOffset.FromUnixTimeSeconds(ToScore(wakeUp));

    public static bool CanStore(DateTimeOffset wakeUp) => wakeUp >= DateTimeOffset.UnixEpoch && ToScore(wakeUp) <= LatestSecond;

    /// <summary>The highest score due at <paramref name="upTo"/>: a member is due once its whole second has begun.</summary>
    public static long DueUpTo(DateTimeOffset upTo) => upTo.ToUnixTimeSeconds();

    /// <summary>
    /// Reads a score written by anyone. Fractional seconds are accepted and rounded up; NaN, infinities and
    /// scores outside 1970..9999 are not a wake-up.
    /// </summary>
    public static bool TryToWakeUp(double score, out DateTimeOffset wakeUp)
    {
        wakeUp = default;
        if (!double.IsFinite(score) || score < 0 || Math.Ceiling(score) > LatestSecond) return false;
        wakeUp = DateTimeOffset.FromUnixTimeSeconds((long)Math.Ceiling(score));
        return true;
    }

    /// <summary>The whole second a score falls in (floor), clamped to <see cref="long"/>; paging cursors count within it.</summary>
    public static long Second(double score) =>
        score <= long.MinValue ? long.MinValue : score >= long.MaxValue ? long.MaxValue : (long)Math.Floor(score);

    /// <summary>The lowest score of a cursor's second; the lowest second also holds -inf.</summary>
    public static double LowestScoreOf(long second) => second == long.MinValue ? double.NegativeInfinity : second;
}
