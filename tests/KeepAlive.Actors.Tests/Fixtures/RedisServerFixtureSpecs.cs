using System.Diagnostics;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using StackExchange.Redis;
using Xunit;

namespace KeepAlive.Actors.Tests.Fixtures;

[Collection(RedisCollection.Name)]
public sealed class RedisServerFixtureSpecs(RedisServerFixture redis)
{
    [Fact]
    public async Task Restarted_server_answers_on_the_same_port_and_a_store_writes_again_once_reconnected()
    {
        var port = redis.Port;
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},asyncTimeout=1000");
        var store = new RedisScheduleStore(connection, RedisServerFixture.NewKeyPrefix());
        var pair = PairKey.From("m", "http://h");
        ScheduleChange[] batch = [new ScheduleChange.Upsert(pair, 60, DateTimeOffset.UnixEpoch.AddDays(30_000))];

        await redis.StopAsync();
        Assert.False(redis.IsRunning);
        await Assert.ThrowsAnyAsync<RedisException>(() => store.ApplyAsync(batch));

        await redis.RestartAsync();
        Assert.True(redis.IsRunning);
        Assert.Equal(port, redis.Port);
        await RetryUntilAsync(() => store.ApplyAsync(batch), TimeSpan.FromSeconds(30));
        Assert.Equal(60, (await store.LoadAsync(pair)).Schedule?.KeepAliveSeconds);
    }

    // The multiplexer reconnects on its own schedule; a writer retries, as the scheduler does.
    private static async Task RetryUntilAsync(Func<Task> write, TimeSpan bound)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await write();
                return;
            }
            catch (RedisException) when (elapsed.Elapsed < bound)
            {
                await Task.Delay(200);
            }
        }
    }
}
