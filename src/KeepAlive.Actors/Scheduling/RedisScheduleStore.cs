using System.Diagnostics;
using System.Globalization;
using KeepAlive.Actors.Pairs;
using StackExchange.Redis;

namespace KeepAlive.Actors.Scheduling;

/// <summary>The Python router's keep-alive schema (<see cref="ScheduleKeys"/>) in Redis, through the process's one multiplexer.</summary>
/// <remarks>
/// Commands sent, so an operator can match them in <c>MONITOR</c> or <c>INFO commandstats</c>:
/// <list type="bullet">
/// <item><see cref="ApplyAsync"/>: all commands issued at once, then awaited (pipelined); per upsert HSET, ZADD (ZREM when off), SADD; per removal DEL, ZREM, SREM; per left-over member ZREM.
/// StackExchange.Redis sends every DEL as UNLINK where the server has it: the same deletion, memory freed in the background.</item>
/// <item><see cref="LoadAsync"/>: HGET, EXISTS, ZSCORE, pipelined.</item>
/// <item><see cref="ReadDueAsync"/>: <c>ZRANGEBYSCORE key min max WITHSCORES LIMIT skip take</c>; when members already
/// returned have moved, also ZCOUNT and a few one-entry ZRANGEBYSCOREs to find the cursor's place again; then HGET and
/// EXISTS of each member's hash, pipelined (one round trip per page).</item>
/// <item><see cref="ClearAsync"/>: SCAN on every primary, DEL of what it finds in chunks, DEL of the sorted set.</item>
/// </list>
/// </remarks>
public sealed class RedisScheduleStore : IScheduleStore, IWakeUpRange
{
    private const int DeleteChunk = 500;

    private readonly IConnectionMultiplexer _redis;
    private readonly ScheduleKeys _keys;

    public RedisScheduleStore(IConnectionMultiplexer redis, string prefix)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _keys = new ScheduleKeys(prefix);
    }

    string IWakeUpRange.Name => _keys.NextWakeUp;

    private IDatabase Database => _redis.GetDatabase();

    public bool SharedWithOtherWriters => true;

    public async Task ApplyAsync(IReadOnlyList<ScheduleChange> batch)
    {
        ScheduleBatch.Validate(batch);
        if (batch.Count == 0) return;
        // Issued together and awaited together: pipelined. Not an IBatch, which fails at once while the
        // multiplexer reconnects; plain commands wait in its backlog for up to the async timeout.
        var db = Database;
        await Task.WhenAll(batch.SelectMany(change => Write(db, change)).ToList());
    }

    public async Task<LoadedSchedule> LoadAsync(PairKey pair)
    {
        var db = Database;
        var hashKey = _keys.Provider(pair);
        var keepAlive = ReadKeepAliveAsync(db, hashKey);
        var hashExists = db.KeyExistsAsync(hashKey);
        var score = db.SortedSetScoreAsync(_keys.NextWakeUp, ScheduleKeys.Member(pair));
        await Task.WhenAll(keepAlive, hashExists, score);
        return Interpret(pair, await hashExists, await keepAlive, await score);
    }

    public Task<DuePage> ReadDueAsync(DateTimeOffset upTo, DueCursor? after, int pageSize) =>
        DuePaging.ReadAsync(this, upTo, after, pageSize);

    public async Task<IReadOnlyCollection<string>> ReadHostsAsync(string modelName)
    {
        var hosts = await Database.SetMembersAsync(_keys.ModelHosts(modelName));
        return Array.ConvertAll(hosts, host => host.ToString());
    }

    public async Task ClearAsync()
    {
        var db = Database;
        foreach (var server in _redis.GetServers().Where(server => !server.IsReplica))
        {
            foreach (var pattern in _keys.ScanPatterns) await DeleteMatchingAsync(server, db, pattern);
        }
        await db.KeyDeleteAsync(_keys.NextWakeUp);
    }

    async Task<IReadOnlyList<ScoredMember>> IWakeUpRange.RangeAsync(double min, double max, long skip, int take)
    {
        var entries = await Database.SortedSetRangeByScoreWithScoresAsync(
            _keys.NextWakeUp, min, max, Exclude.None, Order.Ascending, skip, take);
        return Array.ConvertAll(entries, entry => new ScoredMember(entry.Element.ToString(), entry.Score));
    }

    Task<long> IWakeUpRange.CountAsync(double min, double max) => Database.SortedSetLengthAsync(_keys.NextWakeUp, min, max);

    async Task<IReadOnlyList<LoadedSchedule>> IWakeUpRange.ReadSchedulesAsync(IReadOnlyList<(PairKey Pair, DateTimeOffset WakeUp)> due)
    {
        var db = Database;
        var reads = due.Select(member =>
        {
            var hashKey = _keys.Provider(member.Pair);
            return (member.Pair, member.WakeUp, KeepAlive: ReadKeepAliveAsync(db, hashKey), Exists: db.KeyExistsAsync(hashKey));
        }).ToList();
        await Task.WhenAll(reads.SelectMany(read => new Task[] { read.KeepAlive, read.Exists }));
        var schedules = new List<LoadedSchedule>(reads.Count);
        foreach (var read in reads)
            schedules.Add(Interpret(read.Pair, await read.Exists, await read.KeepAlive, WakeUpScores.ToScore(read.WakeUp)));
        return schedules;
    }

    private Task[] Write(IDatabaseAsync db, ScheduleChange change) => change switch
    {
        ScheduleChange.Upsert upsert => WriteUpsert(db, upsert),
        ScheduleChange.Remove remove => WriteRemove(db, remove.Pair),
        ScheduleChange.Unschedule unschedule => [db.SortedSetRemoveAsync(_keys.NextWakeUp, ScheduleKeys.Member(unschedule.Pair))],
        _ => throw new UnreachableException("ScheduleBatch.Validate admits only Upsert and Remove."),
    };

    private Task[] WriteUpsert(IDatabaseAsync db, ScheduleChange.Upsert upsert)
    {
        var pair = upsert.Pair;
        var member = ScheduleKeys.Member(pair);
        return
        [
            // HashSetAsync would send the deprecated HMSET for several fields.
            db.ExecuteAsync("HSET", (RedisKey)_keys.Provider(pair),
                ScheduleKeys.ModelNameField, pair.Model,
                ScheduleKeys.HostField, pair.Host,
                ScheduleKeys.KeepAliveSecondsField, upsert.KeepAliveSeconds.ToString(CultureInfo.InvariantCulture)),
            upsert.NextWakeUp is { } wakeUp
                ? db.SortedSetAddAsync(_keys.NextWakeUp, member, WakeUpScores.ToScore(wakeUp))
                : db.SortedSetRemoveAsync(_keys.NextWakeUp, member),
            db.SetAddAsync(_keys.ModelHosts(pair.Model), pair.Host),
        ];
    }

    private Task[] WriteRemove(IDatabaseAsync db, PairKey pair) =>
    [
        db.KeyDeleteAsync(_keys.Provider(pair)),
        db.SortedSetRemoveAsync(_keys.NextWakeUp, ScheduleKeys.Member(pair)),
        db.SetRemoveAsync(_keys.ModelHosts(pair.Model), pair.Host),
    ];

    // Another program may have put a non-hash at the key: that is bad data to report, not a failure.
    private static async Task<RedisValue> ReadKeepAliveAsync(IDatabaseAsync db, string hashKey)
    {
        try
        {
            return await db.HashGetAsync(hashKey, ScheduleKeys.KeepAliveSecondsField);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return RedisValue.Null;
        }
    }

    private LoadedSchedule Interpret(PairKey pair, bool hashExists, RedisValue keepAlive, double? score)
    {
        var (hashKey, setKey, member) = (_keys.Provider(pair), _keys.NextWakeUp, ScheduleKeys.Member(pair));
        if (!hashExists) return score is null ? new LoadedSchedule(null, null) : LeftOver(ScheduleProblems.NoHash(setKey, member, hashKey));
        if (keepAlive.IsNull) return Problem(ScheduleProblems.NoKeepAliveField(hashKey));
        if (!long.TryParse(keepAlive.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return Problem(ScheduleProblems.NotSeconds(hashKey, keepAlive.ToString()));
        if (score is not { } stored) return Loaded(new StoredSchedule(pair, seconds, null));
        if (!WakeUpScores.TryToWakeUp(stored, out var wakeUp)) return Problem(ScheduleProblems.NotAWakeUp(setKey, member, stored));
        if (seconds == 0) return LeftOver(ScheduleProblems.OffButScheduled(hashKey, setKey, member));
        return Loaded(new StoredSchedule(pair, seconds, wakeUp));
    }

    private static LoadedSchedule Loaded(StoredSchedule schedule) => new(schedule, null);

    private static LoadedSchedule Problem(string problem) => new(null, problem);

    private static LoadedSchedule LeftOver(string why) => new(null, why, LeftOver: true);

    private static async Task DeleteMatchingAsync(IServer server, IDatabase db, string pattern)
    {
        var chunk = new List<RedisKey>(DeleteChunk);
        await foreach (var key in server.KeysAsync(db.Database, pattern, DeleteChunk))
        {
            chunk.Add(key);
            if (chunk.Count < DeleteChunk) continue;
            await db.KeyDeleteAsync([.. chunk]);
            chunk.Clear();
        }
        if (chunk.Count > 0) await db.KeyDeleteAsync([.. chunk]);
    }
}
