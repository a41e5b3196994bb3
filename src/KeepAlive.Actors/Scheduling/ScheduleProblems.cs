namespace KeepAlive.Actors.Scheduling;

/// <summary>How the stores describe data, written by others, that they skip: always naming the key.</summary>
internal static class ScheduleProblems
{
    public static string NotAPair(string setKey, string member) =>
        $"{setKey}: member '{member}' is not <model>|<host>; skipped.";

    public static string NotAWakeUp(string setKey, string member, double score) =>
        $"{setKey}: member '{member}' has score {score:R}, not a Unix time in seconds; skipped.";

    public static string NoHash(string setKey, string member, string hashKey) =>
        $"{setKey}: member '{member}' has no hash {hashKey}; not loaded.";

    public static string NoKeepAliveField(string hashKey) =>
        $"{hashKey}: no {ScheduleKeys.KeepAliveSecondsField} field, or not a hash; not loaded.";

    public static string NotSeconds(string hashKey, string value) =>
        $"{hashKey}: {ScheduleKeys.KeepAliveSecondsField} '{value}' is not a whole number of seconds >= 0; not loaded.";

    public static string OffButScheduled(string hashKey, string setKey, string member) =>
        $"{hashKey}: {ScheduleKeys.KeepAliveSecondsField} is 0 (off) but {setKey} still has member '{member}'; not loaded.";
}
