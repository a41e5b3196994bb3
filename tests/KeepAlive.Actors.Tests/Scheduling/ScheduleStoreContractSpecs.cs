using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using Xunit;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>What every <see cref="IScheduleStore"/> does, run against each store.</summary>
public abstract class ScheduleStoreContractSpecs : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly PairKey Gemma = PairKey.From("google/gemma-3-12b-it", "http://10.0.0.5:7000");
    private static readonly PairKey GemmaElsewhere = PairKey.From("google/gemma-3-12b-it", "http://10.0.0.6:7000");

    protected IScheduleStore Store { get; private set; } = null!;

    protected abstract Task<IScheduleStore> CreateStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Upserted_schedule_loads_back()
    {
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now)]);

        var loaded = await Store.LoadAsync(Gemma);

        Assert.Equal(new LoadedSchedule(new StoredSchedule(Gemma, 120, Now), null), loaded);
    }

    [Fact]
    public async Task Wake_up_is_stored_rounded_up_to_the_next_whole_second()
    {
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now.AddMilliseconds(1))]);

        var loaded = await Store.LoadAsync(Gemma);

        Assert.Equal(Now.AddSeconds(1), loaded.Schedule?.NextWakeUp);
    }

    [Fact]
    public async Task Unknown_pair_loads_as_nothing_without_a_problem()
    {
        Assert.Equal(new LoadedSchedule(null, null), await Store.LoadAsync(Gemma));
    }

    [Fact]
    public async Task Pair_switched_off_keeps_zero_seconds_and_is_never_due()
    {
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now.AddMinutes(-5))]);
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 0, null)]);

        Assert.Equal(new StoredSchedule(Gemma, 0, null), (await Store.LoadAsync(Gemma)).Schedule);
        Assert.Empty(await ReadAllDueAsync(Now, pageSize: 10));
    }

    [Fact]
    public async Task Pair_with_keep_alive_but_no_wake_up_is_kept_and_not_due()
    {
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now.AddMinutes(-5))]);
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, null)]);

        Assert.Equal(new StoredSchedule(Gemma, 120, null), (await Store.LoadAsync(Gemma)).Schedule);
        Assert.Empty(await ReadAllDueAsync(Now, pageSize: 10));
    }

    [Fact]
    public async Task Removed_pair_is_gone_and_leaves_the_models_hosts()
    {
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now), new ScheduleChange.Upsert(GemmaElsewhere, 60, Now)]);

        await Store.ApplyAsync([new ScheduleChange.Remove(Gemma)]);

        Assert.Equal(new LoadedSchedule(null, null), await Store.LoadAsync(Gemma));
        Assert.Equal(new[] { GemmaElsewhere }, await ReadAllDueAsync(Now, pageSize: 10));
        Assert.Equal(new[] { GemmaElsewhere.Host }, await Store.ReadHostsAsync(Gemma.Model));
    }

    [Fact]
    public async Task Hosts_set_holds_every_host_configured_for_the_model_even_when_off()
    {
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now), new ScheduleChange.Upsert(GemmaElsewhere, 0, null)]);

        var hosts = await Store.ReadHostsAsync(Gemma.Model);

        Assert.Equal(new[] { Gemma.Host, GemmaElsewhere.Host }, hosts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Last_change_of_a_pair_in_a_batch_wins()
    {
        await Store.ApplyAsync(
        [
            new ScheduleChange.Upsert(Gemma, 120, Now),
            new ScheduleChange.Remove(Gemma),
            new ScheduleChange.Upsert(Gemma, 60, Now.AddMinutes(1)),
        ]);

        Assert.Equal(new StoredSchedule(Gemma, 60, Now.AddMinutes(1)), (await Store.LoadAsync(Gemma)).Schedule);
    }

    [Fact]
    public async Task Member_is_due_from_the_start_of_its_second()
    {
        var early = PairKey.From("m", "http://early");
        var late = PairKey.From("m", "http://late");
        await Store.ApplyAsync([new ScheduleChange.Upsert(early, 60, Now), new ScheduleChange.Upsert(late, 60, Now.AddMilliseconds(200))]);

        Assert.Equal(new[] { early }, await ReadAllDueAsync(Now.AddMilliseconds(999), pageSize: 10));
        Assert.Equal(new[] { early, late }, await ReadAllDueAsync(Now.AddSeconds(1), pageSize: 10));
    }

    [Fact]
    public async Task Due_pages_return_every_due_member_exactly_once_and_nothing_not_due()
    {
        var schedule = Schedule(2_500, index => index switch
        {
            < 1_500 => Now.AddMinutes(-1),                 // one crowded second, larger than a page
            < 2_100 => Now.AddSeconds(-300 + index % 300), // two members in most seconds
            _ => Now.AddSeconds(1 + index % 400),          // not due yet
        });
        await Store.ApplyAsync(schedule.Select(Upsert).ToList());

        var due = await ReadAllDueAsync(Now, pageSize: 1_000);

        AssertEveryOnce(schedule.Where(entry => entry.WakeUp <= Now).Select(entry => entry.Pair), due);
    }

    [Theory]
    [InlineData(2_500, 1_000)]
    [InlineData(300, 7)]
    public async Task Members_rescheduled_into_the_future_between_pages_do_not_make_others_skipped(int pairs, int pageSize)
    {
        var schedule = Schedule(pairs, index => Now.AddSeconds(index % 10 < 8 ? -60 : -index % 50));
        await Store.ApplyAsync(schedule.Select(Upsert).ToList());

        var due = await ReadAllDueAsync(Now, pageSize, page =>
            Store.ApplyAsync(page.Due.Select(stored => Upsert((stored.Pair, Now.AddHours(1)))).ToList()));

        AssertEveryOnce(schedule.Select(entry => entry.Pair), due);
    }

    [Fact]
    public async Task Some_members_rescheduled_or_removed_between_pages_do_not_make_others_skipped()
    {
        var schedule = Schedule(2_500, index => Now.AddSeconds(index % 10 < 8 ? -60 : -index % 50));
        await Store.ApplyAsync(schedule.Select(Upsert).ToList());

        // Every third member returned moves away, the last one of each page stays where it was.
        var due = await ReadAllDueAsync(Now, pageSize: 1_000, page =>
            Store.ApplyAsync(page.Due.SkipLast(1).Where((_, index) => index % 3 == 0)
                .Select((stored, index) => index % 2 == 0 ? Upsert((stored.Pair, Now.AddHours(1))) : new ScheduleChange.Remove(stored.Pair))
                .ToList()));

        AssertEveryOnce(schedule.Select(entry => entry.Pair), due);
    }

    [Fact]
    public async Task Clear_deletes_every_schedule_and_the_store_stays_usable()
    {
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now), new ScheduleChange.Upsert(GemmaElsewhere, 0, null)]);

        await Store.ClearAsync();

        Assert.Equal(new LoadedSchedule(null, null), await Store.LoadAsync(Gemma));
        Assert.Equal(new LoadedSchedule(null, null), await Store.LoadAsync(GemmaElsewhere));
        Assert.Empty(await ReadAllDueAsync(Now, pageSize: 10));
        Assert.Empty(await Store.ReadHostsAsync(Gemma.Model));
        await Store.ApplyAsync([new ScheduleChange.Upsert(Gemma, 120, Now)]);
        Assert.Equal(new[] { Gemma }, await ReadAllDueAsync(Now, pageSize: 10));
    }

    public static TheoryData<ScheduleChange> InvalidChanges => new()
    {
        new ScheduleChange.Upsert(Gemma, -1, Now),                                     // negative keep-alive
        new ScheduleChange.Upsert(Gemma, 0, Now),                                      // off, yet with a wake-up
        new ScheduleChange.Upsert(Gemma, 60, DateTimeOffset.UnixEpoch.AddSeconds(-1)), // before 1970
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public async Task Batch_with_an_invalid_change_is_refused_before_anything_is_written(ScheduleChange invalid)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => Store.ApplyAsync([new ScheduleChange.Upsert(GemmaElsewhere, 60, Now), invalid]));

        Assert.Contains(Gemma.EntityId, error.Message);
        Assert.Equal(new LoadedSchedule(null, null), await Store.LoadAsync(GemmaElsewhere));
    }

    [Fact]
    public async Task Page_size_below_one_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ReadDueAsync(Now, null, 0));
    }

    private static List<(PairKey Pair, DateTimeOffset WakeUp)> Schedule(int count, Func<int, DateTimeOffset> wakeUp) =>
        Enumerable.Range(0, count)
            .Select(index => (PairKey.From($"model-{index % 7}", $"http://10.0.{index / 250}.{index % 250}:8000"), wakeUp(index)))
            .ToList();

    private static ScheduleChange Upsert((PairKey Pair, DateTimeOffset WakeUp) entry) =>
        new ScheduleChange.Upsert(entry.Pair, 60, entry.WakeUp);

    /// <summary>Pages through everything due at <paramref name="upTo"/>, calling <paramref name="betweenPages"/> after each page.</summary>
    protected async Task<List<PairKey>> ReadAllDueAsync(DateTimeOffset upTo, int pageSize, Func<DuePage, Task>? betweenPages = null)
    {
        var due = new List<PairKey>();
        DueCursor? cursor = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 10_000, "paging does not end");
            var page = await Store.ReadDueAsync(upTo, cursor, pageSize);
            Assert.Empty(page.Problems);
            due.AddRange(page.Due.Select(stored => stored.Pair));
            if (betweenPages is not null) await betweenPages(page);
            if (page.Next is null) return due;
            cursor = page.Next;
        }
    }

    private static void AssertEveryOnce(IEnumerable<PairKey> expected, IReadOnlyCollection<PairKey> actual)
    {
        var duplicates = actual.GroupBy(pair => pair).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
        Assert.Empty(duplicates);
        var missing = expected.Except(actual).ToList();
        var unexpected = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && unexpected.Count == 0,
            $"{missing.Count} due members missing (first: {missing.FirstOrDefault()}), " +
            $"{unexpected.Count} unexpected (first: {unexpected.FirstOrDefault()}).");
    }
}
