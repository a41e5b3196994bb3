using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Scheduling;

/// <summary>One sorted-set entry as read back.</summary>
internal readonly record struct ScoredMember(string Member, double Score);

/// <summary>
/// The sorted set's range reads, in Redis's order: ascending score, equal scores by member.
/// Both bounds are inclusive.
/// </summary>
internal interface IWakeUpRange
{
    /// <summary>The sorted set's key name, for problem reports.</summary>
    string Name { get; }

    Task<IReadOnlyList<ScoredMember>> RangeAsync(double min, double max, long skip, int take);

    Task<long> CountAsync(double min, double max);

    /// <summary>
    /// The stored schedule of each due member, read in one round trip for the page: a schedule with its wake-up, or
    /// the problem that makes the member unusable (named by key).
    /// </summary>
    Task<IReadOnlyList<LoadedSchedule>> ReadSchedulesAsync(IReadOnlyList<(PairKey Pair, DateTimeOffset WakeUp)> due);
}

/// <summary>
/// The paging rule of <see cref="IScheduleStore.ReadDueAsync"/>, shared so that both stores page alike.
/// </summary>
/// <remarks>
/// A page continues at the cursor's second and skips the members of that second already returned.
/// The caller usually reschedules what it was given before it asks for the next page, so those
/// members may have left the second; a plain count would then skip as many unseen ones. The cursor
/// therefore also names the last member returned: when it is no longer where the count says, the
/// members still at or before it are counted again, and the page starts right after them.
/// </remarks>
internal static class DuePaging
{
    public static async Task<DuePage> ReadAsync(IWakeUpRange range, DateTimeOffset upTo, DueCursor? after, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var window = await ReadWindowAsync(range, WakeUpScores.DueUpTo(upTo), after, pageSize);
        return await ToPageAsync(range, window, after);
    }

    /// <param name="Skipped">How many members of the cursor's second precede <paramref name="Entries"/>.</param>
    private sealed record Window(long Skipped, IReadOnlyList<ScoredMember> Entries, bool More)
    {
        public bool StartsAt(DueCursor cursor) =>
            Entries.Count > 0 && Entries[0].Member == cursor.LastMember && Entries[0].Score == cursor.Score;

        public Window WithoutFirst() => new(Skipped + 1, Entries.Skip(1).ToList(), More);
    }

    private static async Task<Window> ReadWindowAsync(IWakeUpRange range, double max, DueCursor? after, int pageSize)
    {
        if (after is null) return await ReadAsync(range, double.NegativeInfinity, max, 0, pageSize);
        var min = WakeUpScores.LowestScoreOf(after.Score);
        if (after.LastMember is not { } lastMember) return await ReadAsync(range, min, max, after.SeenAtScore, pageSize);
        if (after.SeenAtScore > 0)
        {
            // One extra entry in front confirms, in the same reply, that nothing moved.
            var window = await ReadAsync(range, min, max, after.SeenAtScore - 1, pageSize + 1);
            if (window.StartsAt(after)) return window.WithoutFirst();
        }
        return await ReadAsync(range, min, max, await CountSeenAsync(range, after.Score, lastMember), pageSize);
    }

    private static async Task<Window> ReadAsync(IWakeUpRange range, double min, double max, long skip, int take)
    {
        var entries = await range.RangeAsync(min, max, skip, take);
        return new Window(skip, entries, entries.Count == take);
    }

    /// <summary>Members now at the cursor's score that sort at or before its last member: found by bisection.</summary>
    private static async Task<long> CountSeenAsync(IWakeUpRange range, double score, string lastMember)
    {
        var (seen, unseen) = (0L, await range.CountAsync(score, score));
        while (seen < unseen)
        {
            var probe = seen + (unseen - seen) / 2;
            var entry = await range.RangeAsync(score, score, probe, 1);
            if (entry.Count > 0 && MemberOrder.Compare(entry[0].Member, lastMember) <= 0) seen = probe + 1;
            else unseen = probe;
        }
        return seen;
    }

    private static async Task<DuePage> ToPageAsync(IWakeUpRange range, Window window, DueCursor? after)
    {
        var members = new List<(PairKey Pair, DateTimeOffset WakeUp)>(window.Entries.Count);
        var problems = new List<string>();
        foreach (var entry in window.Entries)
        {
            if (!PairKey.TryParse(entry.Member, out var pair, out var notAPair))
                problems.Add(ScheduleProblems.NotAPair(range.Name, entry.Member, notAPair));
            else if (!WakeUpScores.TryToWakeUp(entry.Score, out var wakeUp))
                problems.Add(ScheduleProblems.NotAWakeUp(range.Name, entry.Member, entry.Score));
            else
                members.Add((pair, wakeUp));
        }

        var due = new List<StoredSchedule>(members.Count);
        var leftOver = new List<(PairKey, string)>();
        var loadedSchedules = members.Count == 0 ? [] : await range.ReadSchedulesAsync(members);
        for (var i = 0; i < loadedSchedules.Count; i++)
        {
            var loaded = loadedSchedules[i];
            if (loaded.LeftOver) leftOver.Add((members[i].Pair, loaded.Problem!));
            else if (loaded.Problem is not null) problems.Add(loaded.Problem);
            if (loaded.Schedule is not null) due.Add(loaded.Schedule);
        }
        return new DuePage(due, problems, window.More ? NextCursor(window, after) : null) { LeftOver = leftOver };
    }

    private static DueCursor NextCursor(Window window, DueCursor? after)
    {
        var last = window.Entries[^1];
        var second = WakeUpScores.Second(last.Score);
        var before = after?.Score == second ? window.Skipped : 0;
        var seen = before + window.Entries.Count(entry => WakeUpScores.Second(entry.Score) == second);
        // Only an exact whole-second score can be found again by member; fractional ones page by count.
        return new DueCursor(second, checked((int)seen)) { LastMember = last.Score == second ? last.Member : null };
    }
}
