using System.Globalization;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Actors.Tests.Fixtures;
using StackExchange.Redis;
using Xunit;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>
/// The Redis keys as other programs see them, checked with plain Redis commands rather than through the store,
/// and data written by others that the store must survive.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisScheduleStoreSpecs(RedisServerFixture redis) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly long NowSeconds = Now.ToUnixTimeSeconds();
    private static readonly PairKey Llama = PairKey.From("llama3:8b", "http://10.0.0.5:11434");

    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private ConnectionMultiplexer _connection = null!;
    private RedisScheduleStore _store = null!;

    private IDatabase Raw => _connection.GetDatabase();

    private string NextWakeUpKey => $"{_prefix}:providers:next_wakeup";

    public async Task InitializeAsync()
    {
        _connection = await redis.ConnectAsync(allowAdmin: true);
        _store = new RedisScheduleStore(_connection, _prefix);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task Upsert_writes_the_hash_the_member_and_the_hosts_set_of_the_schema()
    {
        await _store.ApplyAsync([new ScheduleChange.Upsert(Llama, 120, Now.AddMilliseconds(250))]);

        var hash = await Raw.HashGetAllAsync($"{_prefix}:provider:llama3:8b:http://10.0.0.5:11434");
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["model_name"] = "llama3:8b",
                ["host"] = "http://10.0.0.5:11434",
                ["keep_alive_seconds"] = "120",
            },
            hash.ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString()));
        var score = await Raw.ExecuteAsync("ZSCORE", NextWakeUpKey, "llama3:8b|http://10.0.0.5:11434");
        Assert.Equal((NowSeconds + 1).ToString(CultureInfo.InvariantCulture), (string?)score);
        Assert.Equal(new[] { "http://10.0.0.5:11434" }, await SetMembersAsync($"{_prefix}:model:llama3:8b:hosts"));
        Assert.Equal(
            new[] { $"{_prefix}:model:llama3:8b:hosts", $"{_prefix}:provider:llama3:8b:http://10.0.0.5:11434", NextWakeUpKey },
            await KeysAsync($"{_prefix}:*"));
    }

    [Fact]
    public async Task Switching_a_pair_off_writes_zero_seconds_and_removes_its_member()
    {
        await _store.ApplyAsync([new ScheduleChange.Upsert(Llama, 120, Now)]);

        await _store.ApplyAsync([new ScheduleChange.Upsert(Llama, 0, null)]);

        Assert.Equal("0", (string?)await Raw.HashGetAsync($"{_prefix}:provider:llama3:8b:http://10.0.0.5:11434", "keep_alive_seconds"));
        Assert.Null(await Raw.SortedSetScoreAsync(NextWakeUpKey, "llama3:8b|http://10.0.0.5:11434"));
        Assert.True(await Raw.SetContainsAsync($"{_prefix}:model:llama3:8b:hosts", "http://10.0.0.5:11434"));
    }

    [Fact]
    public async Task Remove_deletes_the_hash_the_member_and_the_host()
    {
        var other = PairKey.From("llama3:8b", "http://10.0.0.6:11434");
        await _store.ApplyAsync([new ScheduleChange.Upsert(Llama, 120, Now), new ScheduleChange.Upsert(other, 120, Now)]);

        await _store.ApplyAsync([new ScheduleChange.Remove(Llama)]);

        Assert.False(await Raw.KeyExistsAsync($"{_prefix}:provider:llama3:8b:http://10.0.0.5:11434"));
        Assert.Null(await Raw.SortedSetScoreAsync(NextWakeUpKey, "llama3:8b|http://10.0.0.5:11434"));
        Assert.Equal(new[] { "http://10.0.0.6:11434" }, await SetMembersAsync($"{_prefix}:model:llama3:8b:hosts"));
    }

    [Fact]
    public async Task Due_read_skips_unusable_members_and_names_them_without_stopping()
    {
        var good = Enumerable.Range(0, 5).Select(index => PairKey.From("m", $"http://h{index}")).ToList();
        await _store.ApplyAsync(good.Select(pair => (ScheduleChange)new ScheduleChange.Upsert(pair, 60, Now.AddSeconds(-10))).ToList());
        await Raw.SortedSetAddAsync(NextWakeUpKey,
        [
            new("no-separator", NowSeconds - 10),
            new("|host-only", NowSeconds - 10),
            new("m|negative", -1),
            new("m|minus-infinity", double.NegativeInfinity),
            new("m|far-future", 1e20),
        ]);

        var (due, problems) = await ReadAllDueAsync(Now, pageSize: 2);

        Assert.Equal(good.Select(pair => pair.EntityId).Order(), due.Select(pair => pair.EntityId).Order());
        Assert.Equal(4, problems.Count);
        Assert.All(problems, problem => Assert.Contains(NextWakeUpKey, problem));
        foreach (var member in new[] { "no-separator", "|host-only", "m|negative", "m|minus-infinity" })
            Assert.Single(problems, problem => problem.Contains($"'{member}'"));
    }

    [Fact]
    public async Task Fractional_scores_written_by_others_are_due_from_the_second_they_round_up_to()
    {
        var members = Enumerable.Range(0, 5).Select(index => $"m|http://fraction{index}").ToList();
        var fractions = members.Select((member, index) => new SortedSetEntry(member, NowSeconds + 0.1 * (index + 1)));
        await Raw.SortedSetAddAsync(NextWakeUpKey, fractions.ToArray());
        foreach (var index in Enumerable.Range(0, 5)) await Raw.HashSetAsync($"{_prefix}:provider:m:http://fraction{index}", "keep_alive_seconds", "60");

        Assert.Empty((await ReadAllDueAsync(Now, pageSize: 1)).Due);
        Assert.Equal(members, (await ReadAllDueAsync(Now.AddSeconds(1), pageSize: 1)).Due.Select(pair => pair.EntityId));
        Assert.Equal(Now.AddSeconds(1), (await _store.LoadAsync(PairKey.From("m", "http://fraction0"))).Schedule?.NextWakeUp);
    }

    [Theory]
    [InlineData("non-numeric keep_alive_seconds", true)]
    [InlineData("negative keep_alive_seconds", true)]
    [InlineData("fractional keep_alive_seconds", true)]
    [InlineData("hash without keep_alive_seconds", true)]
    [InlineData("not a hash", true)]
    [InlineData("off but scheduled", true)]
    [InlineData("negative score", false)]
    [InlineData("score beyond year 9999", false)]
    [InlineData("member without hash", false)]
    public async Task Load_reports_bad_data_by_key_and_other_pairs_still_load(string badData, bool namesTheHash)
    {
        var bad = PairKey.From("m", "http://bad");
        var (hashKey, member) = ($"{_prefix}:provider:m:http://bad", "m|http://bad");
        await WriteAsync(badData, hashKey, member);
        await _store.ApplyAsync([new ScheduleChange.Upsert(Llama, 120, Now)]);

        var loaded = await _store.LoadAsync(bad);

        Assert.Null(loaded.Schedule);
        Assert.Contains(namesTheHash ? hashKey : NextWakeUpKey, loaded.Problem);
        Assert.Equal(new StoredSchedule(Llama, 120, Now), (await _store.LoadAsync(Llama)).Schedule);
    }

    [Fact]
    public async Task Clear_deletes_the_schema_of_its_prefix_and_leaves_other_keys_alone()
    {
        var pairs = Enumerable.Range(0, 1_200).Select(index => PairKey.From($"model-{index % 3}", $"http://h{index}")).ToList();
        await _store.ApplyAsync(pairs.Select(pair => (ScheduleChange)new ScheduleChange.Upsert(pair, 60, Now)).ToList());
        var neighbour = new RedisScheduleStore(_connection, $"{_prefix}-neighbour");
        await neighbour.ApplyAsync([new ScheduleChange.Upsert(Llama, 60, Now)]);
        string[] unrelated = [$"{_prefix}:unrelated", $"{_prefix}:providers:other", $"{_prefix}x:provider:m:h", $"other-{_prefix}:provider:m:h"];
        foreach (var key in unrelated) await Raw.StringSetAsync(key, "keep me");

        await _store.ClearAsync();

        Assert.Equal(unrelated.Take(2).Order(StringComparer.Ordinal), await KeysAsync($"{_prefix}:*"));
        foreach (var key in unrelated) Assert.True(await Raw.KeyExistsAsync(key), key);
        Assert.Equal(new StoredSchedule(Llama, 60, Now), (await neighbour.LoadAsync(Llama)).Schedule);
    }

    [Fact]
    public async Task Clear_with_glob_characters_in_the_prefix_deletes_only_its_own_keys()
    {
        var globbed = new RedisScheduleStore(_connection, $"{_prefix}[x]*?");
        var lookalike = new RedisScheduleStore(_connection, $"{_prefix}xyz");
        await globbed.ApplyAsync([new ScheduleChange.Upsert(Llama, 60, Now)]);
        await lookalike.ApplyAsync([new ScheduleChange.Upsert(Llama, 60, Now)]);

        await globbed.ClearAsync();

        Assert.Equal(new LoadedSchedule(null, null), await globbed.LoadAsync(Llama));
        Assert.Equal(new StoredSchedule(Llama, 60, Now), (await lookalike.LoadAsync(Llama)).Schedule);
        Assert.Equal(new[] { Llama.Host }, await lookalike.ReadHostsAsync(Llama.Model));
    }

    [Fact]
    public async Task One_apply_of_500_changes_is_one_pipelined_batch_of_writes()
    {
        var pairs = Enumerable.Range(0, 500).Select(index => PairKey.From($"model-{index % 5}", $"http://h{index}")).ToList();
        await _store.ApplyAsync(pairs.Skip(400).Select(pair => (ScheduleChange)new ScheduleChange.Upsert(pair, 60, Now)).ToList());
        List<ScheduleChange> changes =
        [
            .. pairs.Take(300).Select(pair => new ScheduleChange.Upsert(pair, 60, Now)),
            .. pairs.Skip(300).Take(100).Select(pair => new ScheduleChange.Upsert(pair, 0, null)),
            .. pairs.Skip(400).Select(pair => new ScheduleChange.Remove(pair)),
        ];
        await ResetStatsAsync();
        var readsBefore = await ReadsProcessedAsync();

        await _store.ApplyAsync(changes);

        var reads = await ReadsProcessedAsync() - readsBefore;
        Assert.Equal(
            new Dictionary<string, long> { ["hset"] = 400, ["zadd"] = 300, ["zrem"] = 200, ["sadd"] = 400, ["unlink"] = 100, ["srem"] = 100 },
            await DataCommandCallsAsync());
        // Awaited change by change, the server needs about two socket reads per change (1,000 here).
        Assert.True(reads < 100, $"the server needed {reads} socket reads for 1,500 commands");
    }

    [Fact]
    public async Task Paging_through_an_unchanged_set_reads_one_bounded_range_per_page()
    {
        await _store.ApplyAsync(Enumerable.Range(0, 2_500)
            .Select(index => (ScheduleChange)new ScheduleChange.Upsert(PairKey.From("m", $"http://h{index}"), 60, Now.AddSeconds(-(index % 4))))
            .ToList());
        await ResetStatsAsync();

        var (due, _) = await ReadAllDueAsync(Now, pageSize: 1_000);

        Assert.Equal(2_500, due.Count);
        // Each page's schedules (keep-alive and hash existence) come with it, pipelined: no read per pair later.
        Assert.Equal(new Dictionary<string, long> { ["zrangebyscore"] = 3, ["hget"] = 2_500, ["exists"] = 2_500 }, await DataCommandCallsAsync());
    }

    private async Task WriteAsync(string badData, string hashKey, string member)
    {
        var validHash = new HashEntry[] { new("model_name", "m"), new("host", "http://bad"), new("keep_alive_seconds", "60") };
        switch (badData)
        {
            case "non-numeric keep_alive_seconds":
                await Raw.HashSetAsync(hashKey, [new("model_name", "m"), new("host", "http://bad"), new("keep_alive_seconds", "two minutes")]);
                break;
            case "negative keep_alive_seconds":
                await Raw.HashSetAsync(hashKey, "keep_alive_seconds", "-5");
                break;
            case "fractional keep_alive_seconds":
                await Raw.HashSetAsync(hashKey, "keep_alive_seconds", "1.5");
                break;
            case "hash without keep_alive_seconds":
                await Raw.HashSetAsync(hashKey, [new("model_name", "m"), new("host", "http://bad")]);
                await Raw.SortedSetAddAsync(NextWakeUpKey, member, NowSeconds);
                break;
            case "not a hash":
                await Raw.StringSetAsync(hashKey, "60");
                break;
            case "off but scheduled":
                await Raw.HashSetAsync(hashKey, "keep_alive_seconds", "0");
                await Raw.SortedSetAddAsync(NextWakeUpKey, member, NowSeconds);
                break;
            case "negative score":
                await Raw.HashSetAsync(hashKey, validHash);
                await Raw.SortedSetAddAsync(NextWakeUpKey, member, -1);
                break;
            case "score beyond year 9999":
                await Raw.HashSetAsync(hashKey, validHash);
                await Raw.SortedSetAddAsync(NextWakeUpKey, member, 1e20);
                break;
            case "member without hash":
                await Raw.SortedSetAddAsync(NextWakeUpKey, member, NowSeconds);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(badData), badData, "no such case");
        }
    }

    private async Task<(List<PairKey> Due, List<string> Problems)> ReadAllDueAsync(DateTimeOffset upTo, int pageSize)
    {
        var (due, problems) = (new List<PairKey>(), new List<string>());
        DueCursor? cursor = null;
        do
        {
            var page = await _store.ReadDueAsync(upTo, cursor, pageSize);
            due.AddRange(page.Due.Select(stored => stored.Pair));
            problems.AddRange(page.Problems);
            cursor = page.Next;
        }
        while (cursor is not null);
        return (due, problems);
    }

    private async Task<IEnumerable<string>> SetMembersAsync(string key) =>
        (await Raw.SetMembersAsync(key)).Select(member => member.ToString()).Order(StringComparer.Ordinal);

    private async Task<List<string>> KeysAsync(string pattern)
    {
        var server = _connection.GetServers().Single();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: pattern)) keys.Add(key.ToString());
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private async Task ResetStatsAsync() => await Raw.ExecuteAsync("CONFIG", "RESETSTAT");

    private async Task<long> ReadsProcessedAsync() =>
        long.Parse(await InfoFieldAsync("stats", "total_reads_processed"), CultureInfo.InvariantCulture);

    /// <summary>Calls per command since the last reset, without the commands of connection upkeep and of this test.</summary>
    private async Task<Dictionary<string, long>> DataCommandCallsAsync()
    {
        string[] upkeep = ["info", "config", "ping", "echo", "client", "cluster", "hello", "select", "subscribe", "command"];
        return (await RedisServer.CommandCallsAsync(_connection))
            .Where(command => !upkeep.Contains(command.Key.Split('|')[0]))
            .ToDictionary();
    }

    private async Task<string> InfoFieldAsync(string section, string field)
    {
        var info = (string?)await Raw.ExecuteAsync("INFO", section) ?? string.Empty;
        var line = info.Split('\n', StringSplitOptions.TrimEntries).Single(line => line.StartsWith(field + ":", StringComparison.Ordinal));
        return line[(field.Length + 1)..];
    }
}
