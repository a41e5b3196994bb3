using StackExchange.Redis;

namespace KeepAlive.Actors.Scheduling;

/// <summary>The schema of DESIGN §2 in Redis, through the process's one multiplexer.</summary>
public sealed class RedisScheduleStore : IScheduleStore
{
    public RedisScheduleStore(IConnectionMultiplexer redis, string prefix) => throw new NotImplementedException();

    public Task ApplyAsync(IReadOnlyList<ScheduleChange> batch) => throw new NotImplementedException();
    public Task<LoadedSchedule> LoadAsync(Providers.ProviderKey pair) => throw new NotImplementedException();
    public Task<DuePage> ReadDueAsync(DateTimeOffset upTo, DueCursor? after, int pageSize) => throw new NotImplementedException();
    public Task ClearAsync() => throw new NotImplementedException();
}
