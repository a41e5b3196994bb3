using System.Diagnostics;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Scheduling;

/// <summary>The embedded default: the schema's data in memory, same behaviour as Redis.</summary>
/// <remarks>
/// Thread-safe: callers are actor continuations on pool threads. Each call is atomic; a paged read,
/// like Redis's, is not one snapshot.
/// </remarks>
public sealed class InMemoryScheduleStore : IScheduleStore, IWakeUpRange
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PairKey, StoredSchedule> _schedules = [];
    private readonly SortedWakeUps _wakeUps = new();
    private readonly Dictionary<string, HashSet<string>> _hostsByModel = new(StringComparer.Ordinal);

    // Problems name the key Redis would use; the in-memory data never has any, since only this store writes it.
    string IWakeUpRange.Name { get; } = new ScheduleKeys(ScheduleKeys.DefaultPrefix).NextWakeUp;

    public bool SharedWithOtherWriters => false;

    public Task ApplyAsync(IReadOnlyList<ScheduleChange> batch)
    {
        ScheduleBatch.Validate(batch);
        lock (_gate)
        {
            foreach (var change in batch) Apply(change);
        }
        return Task.CompletedTask;
    }

    public Task<LoadedSchedule> LoadAsync(PairKey pair)
    {
        lock (_gate)
        {
            return Task.FromResult(new LoadedSchedule(_schedules.GetValueOrDefault(pair), null));
        }
    }

    public Task<DuePage> ReadDueAsync(DateTimeOffset upTo, DueCursor? after, int pageSize) =>
        DuePaging.ReadAsync(this, upTo, after, pageSize);

    public Task<IReadOnlyCollection<string>> ReadHostsAsync(string modelName)
    {
        lock (_gate)
        {
            var hosts = _hostsByModel.GetValueOrDefault(modelName);
            return Task.FromResult<IReadOnlyCollection<string>>(hosts is null ? [] : [.. hosts]);
        }
    }

    public Task ClearAsync()
    {
        lock (_gate)
        {
            _schedules.Clear();
            _wakeUps.Clear();
            _hostsByModel.Clear();
        }
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<ScoredMember>> IWakeUpRange.RangeAsync(double min, double max, long skip, int take)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<ScoredMember>>(_wakeUps.Range(min, max, skip, take));
        }
    }

    Task<long> IWakeUpRange.CountAsync(double min, double max)
    {
        lock (_gate)
        {
            return Task.FromResult(_wakeUps.Count(min, max));
        }
    }

    Task<IReadOnlyList<LoadedSchedule>> IWakeUpRange.ReadSchedulesAsync(IReadOnlyList<(PairKey Pair, DateTimeOffset WakeUp)> due)
    {
        lock (_gate)
        {
            // Only this store writes its data: every member has its schedule (a member removed meanwhile is simply gone).
            return Task.FromResult<IReadOnlyList<LoadedSchedule>>(
                due.Select(member => new LoadedSchedule(_schedules.GetValueOrDefault(member.Pair), null)).ToList());
        }
    }

    private void Apply(ScheduleChange change)
    {
        switch (change)
        {
            case ScheduleChange.Upsert upsert:
                Upsert(upsert);
                break;
            case ScheduleChange.Remove remove:
                Remove(remove.Pair);
                break;
            case ScheduleChange.Unschedule unschedule:
                _wakeUps.Remove(ScheduleKeys.Member(unschedule.Pair));
                break;
            default:
                throw new UnreachableException("ScheduleBatch.Validate admits only Upsert and Remove.");
        }
    }

    private void Upsert(ScheduleChange.Upsert upsert)
    {
        var pair = upsert.Pair;
        var wakeUp = upsert.NextWakeUp is { } at ? WakeUpScores.Round(at) : (DateTimeOffset?)null;
        _schedules[pair] = new StoredSchedule(pair, upsert.KeepAliveSeconds, wakeUp);
        if (wakeUp is { } due) _wakeUps.Set(ScheduleKeys.Member(pair), WakeUpScores.ToScore(due));
        else _wakeUps.Remove(ScheduleKeys.Member(pair));
        if (!_hostsByModel.TryGetValue(pair.Model, out var hosts))
            _hostsByModel[pair.Model] = hosts = new HashSet<string>(StringComparer.Ordinal);
        hosts.Add(pair.Host);
    }

    private void Remove(PairKey pair)
    {
        _schedules.Remove(pair);
        _wakeUps.Remove(ScheduleKeys.Member(pair));
        // Like Redis, a set that loses its last member is gone.
        if (_hostsByModel.TryGetValue(pair.Model, out var hosts) && hosts.Remove(pair.Host) && hosts.Count == 0)
            _hostsByModel.Remove(pair.Model);
    }
}
