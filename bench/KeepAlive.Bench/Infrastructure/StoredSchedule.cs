using System.Diagnostics;
using KeepAlive.Actors.Pairs;
using StackExchange.Redis;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// The stored schedule in a bench's redis-server under the default prefix, read and written as another program
/// would: raw commands on the keys of the Redis schema as docs/ARCHITECTURE.md documents them, which every build shares.
/// </summary>
public sealed class StoredSchedule(ConnectionMultiplexer connection) : IAsyncDisposable
{
    private const string NextWakeUp = "keepalive:providers:next_wakeup";

    public static async Task<StoredSchedule> ConnectAsync(RedisServer redis) => new(await redis.ConnectAsync());

    /// <summary>Pairs with a next wake-up in the sorted set.</summary>
    public async Task<long> CountAsync() => await connection.GetDatabase().SortedSetLengthAsync(NextWakeUp);

    /// <summary>Writes every pair's hash, wake-up and host-set member with pipelined HSET/ZADD/SADD; returns how long it took.</summary>
    public async Task<TimeSpan> WriteAsync(IReadOnlyList<PairKey> pairs, long keepAliveSeconds, Func<PairKey, long> wakeUpUnixSeconds)
    {
        var db = connection.GetDatabase();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in pairs.Chunk(5_000))
        {
            var writes = new List<Task>(chunk.Length * 3);
            foreach (var pair in chunk)
            {
                writes.Add(db.ExecuteAsync("HSET", (RedisKey)$"keepalive:provider:{pair.Model}:{pair.Host}",
                    "model_name", pair.Model, "host", pair.Host, "keep_alive_seconds", keepAliveSeconds));
                writes.Add(db.SortedSetAddAsync(NextWakeUp, pair.EntityId, wakeUpUnixSeconds(pair)));
                writes.Add(db.SetAddAsync($"keepalive:model:{pair.Model}:hosts", pair.Host));
            }
            await Task.WhenAll(writes);
        }
        return clock.Elapsed;
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
