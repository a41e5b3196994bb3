namespace KeepAlive.Actors.Scheduling;

/// <summary>
/// How the stores describe data, written by others, that they skip: always naming the key, and quoting a member or
/// value only as far as <see cref="LogText.Quoted"/> does, since another program may have written anything there.
/// </summary>
internal static class ScheduleProblems
{
    /// <param name="reason">Why the member names no pair, as <see cref="Pairs.PairKey.TryParse(string?, out Pairs.PairKey, out string)"/> says it.</param>
    public static string NotAPair(string setKey, string member, string reason) =>
        $"{setKey}: member {LogText.Quoted(member)} {reason}; skipped.";

    public static string NotAWakeUp(string setKey, string member, double score) =>
        $"{setKey}: member {LogText.Quoted(member)} has score {score:R}, not a Unix time in seconds; skipped.";

    public static string NoHash(string setKey, string member, string hashKey) =>
        $"{setKey}: member {LogText.Quoted(member)} has no hash {hashKey}; not loaded.";

    public static string NoKeepAliveField(string hashKey) =>
        $"{hashKey}: no {ScheduleKeys.KeepAliveSecondsField} field, or not a hash; not loaded.";

    public static string NotSeconds(string hashKey, string value) =>
        $"{hashKey}: {ScheduleKeys.KeepAliveSecondsField} {LogText.Quoted(value)} is not a whole number of seconds >= 0; not loaded.";

    public static string OffButScheduled(string hashKey, string setKey, string member) =>
        $"{hashKey}: {ScheduleKeys.KeepAliveSecondsField} is 0 (off) but {setKey} still has member {LogText.Quoted(member)}; not loaded.";
}
