using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using Xunit;

namespace KeepAlive.Actors.Tests.Scheduling;

public sealed class InMemoryScheduleStoreSpecs
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Writers_and_readers_on_many_threads_leave_every_write_in_place()
    {
        var store = new InMemoryScheduleStore();
        var writers = Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var index = 0; index < 250; index++)
            {
                var pair = PairKey.From($"model-{writer}", $"http://h{index}");
                await store.ApplyAsync([new ScheduleChange.Upsert(pair, 60, Now.AddSeconds(-index))]);
                await store.LoadAsync(pair);
                await store.ReadDueAsync(Now, null, 50);
            }
        }));

        await Task.WhenAll(writers);

        var due = new List<PairKey>();
        for (var page = await store.ReadDueAsync(Now, null, 300); ; page = await store.ReadDueAsync(Now, page.Next, 300))
        {
            due.AddRange(page.Due.Select(stored => stored.Pair));
            if (page.Next is null) break;
        }
        Assert.Equal(2_000, due.Distinct().Count());
        Assert.Equal(250, (await store.ReadHostsAsync("model-7")).Count);
    }
}
