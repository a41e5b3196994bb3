namespace KeepAlive.Actors.Scheduling;

/// <summary>What a batch may ask of the schema. Checked before anything is written, so a bad change leaves the store untouched.</summary>
internal static class ScheduleBatch
{
    /// <exception cref="ArgumentException">names the first change that would write data the schema calls bad.</exception>
    public static void Validate(IReadOnlyList<ScheduleChange> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var change in batch)
        {
            switch (change)
            {
                case ScheduleChange.Upsert upsert:
                    Validate(upsert);
                    break;
                case ScheduleChange.Remove or ScheduleChange.Unschedule:
                    break;
                default:
                    throw new ArgumentException($"Unknown schedule change '{change?.GetType().Name ?? "null"}'.", nameof(batch));
            }
        }
    }

    private static void Validate(ScheduleChange.Upsert upsert)
    {
        if (upsert.KeepAliveSeconds < 0)
            throw Invalid(upsert, $"keep-alive of {upsert.KeepAliveSeconds} s is negative");
        if (upsert.KeepAliveSeconds == 0 && upsert.NextWakeUp is not null)
            throw Invalid(upsert, "is off (0 s) but has a wake-up; an off pair has no member in the sorted set");
        if (upsert.NextWakeUp is { } wakeUp && !WakeUpScores.CanStore(wakeUp))
            throw Invalid(upsert, $"wake-up {wakeUp:O} is not a Unix time between 1970 and 9999");
    }

    private static ArgumentException Invalid(ScheduleChange.Upsert upsert, string reason) =>
        new($"Schedule change for {upsert.Pair}: {reason}.", "batch");
}
