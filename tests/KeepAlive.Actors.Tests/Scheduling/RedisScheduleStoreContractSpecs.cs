using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using StackExchange.Redis;
using Xunit;

namespace KeepAlive.Actors.Tests.Scheduling;

[Collection(RedisCollection.Name)]
public sealed class RedisScheduleStoreContractSpecs(RedisServerFixture redis) : ScheduleStoreContractSpecs
{
    private ConnectionMultiplexer? _connection;

    protected override async Task<IScheduleStore> CreateStoreAsync()
    {
        _connection = await redis.ConnectAsync();
        return new RedisScheduleStore(_connection, RedisServerFixture.NewKeyPrefix());
    }

    public override async Task DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
