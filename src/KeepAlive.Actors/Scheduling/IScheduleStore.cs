using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Scheduling;

/// <summary>One pair's durable schedule as the schema holds it.</summary>
/// <param name="KeepAliveSeconds">0 when the pair is off.</param>
/// <param name="NextWakeUp">The sorted-set score (whole Unix seconds); null when the pair has no member (off).</param>
public sealed record StoredSchedule(PairKey Pair, long KeepAliveSeconds, DateTimeOffset? NextWakeUp);

/// <summary>A write to the schema, already coalesced per pair (latest wins).</summary>
public abstract record ScheduleChange(PairKey Pair)
{
    /// <summary>Hash fields, sorted-set member (removed when <paramref name="NextWakeUp"/> is null) and the model's hosts set.</summary>
    public sealed record Upsert(PairKey Pair, long KeepAliveSeconds, DateTimeOffset? NextWakeUp) : ScheduleChange(Pair);

    /// <summary>Unregister: the hash and the member go, and the host leaves the model's hosts set.</summary>
    public sealed record Remove(PairKey Pair) : ScheduleChange(Pair);

    /// <summary>Only the sorted-set member goes (ZREM): a left-over member, whose hash is gone or says off.</summary>
    public sealed record Unschedule(PairKey Pair) : ScheduleChange(Pair);
}

/// <summary>The result of reading one pair; <paramref name="Problem"/> names the key when data written by others is unusable.</summary>
/// <param name="LeftOver">
/// The pair's sorted-set member is left over: its hash is gone or says off (0). Not a problem of anyone's making: the
/// Python router's keep-alive monitor leaves such members and removes them (ZREM) when it meets them, and so does the sweep.
/// </param>
public sealed record LoadedSchedule(StoredSchedule? Schedule, string? Problem, bool LeftOver = false);

/// <summary>Where to continue a paged read of the sorted set: after <paramref name="SeenAtScore"/> members of score <paramref name="Score"/>.</summary>
/// <param name="Score">The whole second of the last member returned (the floor of its score).</param>
/// <param name="SeenAtScore">How many members of that second were returned already.</param>
public sealed record DueCursor(long Score, int SeenAtScore)
{
    /// <summary>
    /// The last member returned, when its score is exactly <see cref="Score"/>. With it the next page starts right
    /// after this member even when members already returned have been rescheduled away in between; without it the
    /// next page skips <see cref="SeenAtScore"/> members.
    /// </summary>
    public string? LastMember { get; init; }
}

/// <summary>
/// One page of due members with their stored schedules (so the reader can hand them over without reading each pair
/// again); <paramref name="Problems"/> name the keys skipped as unusable; <paramref name="Next"/> is null at the end.
/// </summary>
public sealed record DuePage(IReadOnlyList<StoredSchedule> Due, IReadOnlyList<string> Problems, DueCursor? Next)
{
    /// <summary>Members whose hash is gone or says off, with why: to be removed from the sorted set.</summary>
    public IReadOnlyList<(PairKey Pair, string Why)> LeftOver { get; init; } = [];
}

/// <summary>
/// The durable schedule in the Python router's Redis schema (<see cref="ScheduleKeys"/>). <see cref="RedisScheduleStore"/> writes the real keys;
/// <see cref="InMemoryScheduleStore"/> keeps the same data in memory for the embedded default.
/// </summary>
public interface IScheduleStore
{
    /// <summary>
    /// Other programs may write the schema too (the router's own monitor, scripts): a pair then reads its stored
    /// wake-up before it pings. The embedded store has no other writer.
    /// </summary>
    bool SharedWithOtherWriters { get; }

    /// <summary>Writes one batch (pipelined for Redis).</summary>
    Task ApplyAsync(IReadOnlyList<ScheduleChange> batch);

    /// <summary>Reads the pair's hash and score; a null schedule when the pair is unknown.</summary>
    Task<LoadedSchedule> LoadAsync(PairKey pair);

    /// <summary>
    /// Members with a score at or before <paramref name="upTo"/>, in score order, each with its hash's keep-alive,
    /// at most <paramref name="pageSize"/> entries read (unusable ones are reported in <see cref="DuePage.Problems"/> instead). Pass <see cref="DuePage.Next"/>
    /// back as <paramref name="after"/>: members the caller reschedules into the future between pages do not make it
    /// miss others.
    /// </summary>
    Task<DuePage> ReadDueAsync(DateTimeOffset upTo, DueCursor? after, int pageSize);

    /// <summary>The model's hosts set: every host that has keep-alive configured for the model.</summary>
    Task<IReadOnlyCollection<string>> ReadHostsAsync(string modelName);

    /// <summary>Deletes every key of the schema (the Python router's monitor's clear_buffers).</summary>
    Task ClearAsync();
}
