using System.Collections.Concurrent;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>
/// The in-memory store with writes and clears a test can watch, hold and fail, and bad data it can
/// make the due reads report, as a Redis store reports what other programs wrote.
/// </summary>
internal sealed class ControlledScheduleStore : IScheduleStore
{
    private readonly ConcurrentQueue<IReadOnlyList<ScheduleChange>> _batches = new();

    public InMemoryScheduleStore Inner { get; } = new();

    /// <summary>Every batch asked to be written, held and failed ones included, in order.</summary>
    public IReadOnlyList<IReadOnlyList<ScheduleChange>> Batches => _batches.ToList();

    /// <summary>When set, writes wait for it (and fail when it fails) instead of reaching <see cref="Inner"/>.</summary>
    public TaskCompletionSource? HoldWrites { get; set; }

    /// <summary>When set, the clear waits for it.</summary>
    public TaskCompletionSource? HoldClear { get; set; }

    /// <summary>How many of the next loads fail, as they do while the store is unreachable.</summary>
    public int FailingLoads { get; set; }

    /// <summary>Problems every due read reports, as if such data were in the store.</summary>
    public IReadOnlyList<string> BadData { get; set; } = [];

    /// <summary>Left-over members every due read reports, as if their hash were gone or said off.</summary>
    public IReadOnlyList<(PairKey Pair, string Why)> LeftOver { get; set; } = [];

    /// <summary>How many of the next due reads fail, as they do while the store is unreachable.</summary>
    public int FailingDueReads { get; set; }

    private int _dueReads;

    /// <summary>Due reads asked for so far (pages), failed ones included.</summary>
    public int DueReads => Volatile.Read(ref _dueReads);

    public bool SharedWithOtherWriters => Inner.SharedWithOtherWriters;

    public Task ApplyAsync(IReadOnlyList<ScheduleChange> batch)
    {
        _batches.Enqueue(batch);
        return HoldWrites is { } hold ? hold.Task : Inner.ApplyAsync(batch);
    }

    public Task<LoadedSchedule> LoadAsync(PairKey pair)
    {
        if (FailingLoads <= 0) return Inner.LoadAsync(pair);
        FailingLoads--;
        return Task.FromException<LoadedSchedule>(new TimeoutException("store unreachable"));
    }

    public async Task<DuePage> ReadDueAsync(DateTimeOffset upTo, DueCursor? after, int pageSize)
    {
        Interlocked.Increment(ref _dueReads);
        if (FailingDueReads > 0)
        {
            FailingDueReads--;
            throw new TimeoutException("store unreachable");
        }

        var page = await Inner.ReadDueAsync(upTo, after, pageSize).ConfigureAwait(false);
        return page with { Problems = [.. BadData, .. page.Problems], LeftOver = [.. LeftOver, .. page.LeftOver] };
    }

    public Task<IReadOnlyCollection<string>> ReadHostsAsync(string modelName) => Inner.ReadHostsAsync(modelName);

    public async Task ClearAsync()
    {
        // Not on the test's synchronization context: a released clear reaches the actor on the releasing thread.
        if (HoldClear is { } hold) await hold.Task.ConfigureAwait(false);
        await Inner.ClearAsync().ConfigureAwait(false);
    }
}
