using System.IO.Hashing;
using System.Text;
using KeepAlive.Actors.Pairs;
using Xunit;

namespace KeepAlive.Actors.Tests.Pairs;

public sealed class PingSpreadSpecs
{
    private static readonly KeepAliveSettings Defaults = new();

    private static IEnumerable<PairKey> Pairs(int count) =>
        Enumerable.Range(0, count).Select(i => PairKey.From($"model-{i}", $"http://127.0.0.1:{7000 + i % 7}"));

    [Fact]
    public void A_pairs_offset_is_the_same_every_time_it_is_computed()
    {
        var pair = PairKey.From("google/gemma-3-12b-it", "http://127.0.0.1:7000/");

        var first = PingSpread.OffsetFor(pair, TimeSpan.FromMinutes(5), Defaults);
        var again = PingSpread.OffsetFor(PairKey.From("google/gemma-3-12b-it", "http://127.0.0.1:7000/"), TimeSpan.FromMinutes(5), Defaults);

        Assert.Equal(first, again);
    }

    /// <remarks>
    /// The expected values were computed outside this code base: xxHash32 (seed 0) of the entity id's UTF-8 bytes, from
    /// an implementation written from the xxHash specification and checked against its published test vectors; the
    /// offset is the window (3 % of the interval, at most 10 s) times hash / (2^32 - 1), in whole milliseconds rounded
    /// down. A hash that differed between processes or builds would move a recovered pair's pings.
    /// </remarks>
    [Theory]
    [InlineData("google/gemma-3-12b-it", "http://10.0.0.5:7000/", 300, 0x27F9E6B1u, 1405)]
    [InlineData("google/gemma-3-12b-it", "http://10.0.0.5:7000/", 3600, 0x27F9E6B1u, 1561)]
    [InlineData("llama3:8b", "http://10.0.0.6:11434", 60, 0x0D1744CAu, 92)]
    [InlineData("qwen-2.5-7b", "http://gpu-3:8000", 7200, 0x54EDD592u, 3317)]
    [InlineData("model: gemma|v2", "http://10.0.0.5:7000/", 600, 0xF7A9E979u, 9674)]
    [InlineData("démo/modèle", "http://127.0.0.1:7000", 30, 0x639E0B10u, 350)]
    public void A_pairs_offset_is_its_hash_share_of_the_window(string model, string host, int intervalSeconds, uint hash, int expectedMs)
    {
        var pair = PairKey.From(model, host);

        var offset = PingSpread.OffsetFor(pair, TimeSpan.FromSeconds(intervalSeconds), Defaults);

        Assert.Equal(hash, XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(pair.EntityId)));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), offset);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(300)]
    [InlineData(7200)]
    public void Offsets_stay_within_a_few_percent_of_the_interval_and_at_most_ten_seconds(int intervalSeconds)
    {
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var window = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * 0.03), TimeSpan.FromSeconds(10).Ticks));

        var offsets = Pairs(1000).Select(pair => PingSpread.OffsetFor(pair, interval, Defaults)).ToList();

        Assert.All(offsets, offset => Assert.InRange(offset, TimeSpan.Zero, window));
    }

    [Fact]
    public void Pairs_registered_together_are_spread_over_the_window_instead_of_one_tick()
    {
        var offsets = Pairs(1000).Select(pair => PingSpread.OffsetFor(pair, TimeSpan.FromMinutes(10), Defaults)).ToList();

        // 10 s window, 1000 pairs: nearly every pair has its own millisecond, and the window is covered.
        Assert.True(offsets.Distinct().Count() > 900, $"only {offsets.Distinct().Count()} distinct offsets");
        Assert.True(offsets.Max() - offsets.Min() > TimeSpan.FromSeconds(9));
        Assert.InRange(offsets.Count(o => o < TimeSpan.FromSeconds(5)), 400, 600);
    }

    [Fact]
    public void A_spread_fraction_of_zero_turns_the_offset_off()
    {
        var settings = new KeepAliveSettings { SpreadFraction = 0 };

        Assert.All(Pairs(50), pair => Assert.Equal(TimeSpan.Zero, PingSpread.OffsetFor(pair, TimeSpan.FromHours(1), settings)));
    }
}
