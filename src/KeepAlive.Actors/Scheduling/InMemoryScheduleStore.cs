namespace KeepAlive.Actors.Scheduling;

/// <summary>The embedded default: the schema's data in memory, same behaviour as Redis.</summary>
public sealed class InMemoryScheduleStore : IScheduleStore
{
    public Task ApplyAsync(IReadOnlyList<ScheduleChange> batch) => throw new NotImplementedException();
    public Task<LoadedSchedule> LoadAsync(Providers.ProviderKey pair) => throw new NotImplementedException();
    public Task<DuePage> ReadDueAsync(DateTimeOffset upTo, DueCursor? after, int pageSize) => throw new NotImplementedException();
    public Task ClearAsync() => throw new NotImplementedException();
}
