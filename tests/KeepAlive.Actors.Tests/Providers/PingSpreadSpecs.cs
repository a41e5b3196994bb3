using KeepAlive.Actors.Providers;
using Xunit;

namespace KeepAlive.Actors.Tests.Providers;

public sealed class PingSpreadSpecs
{
    private static readonly KeepAliveSettings Defaults = new();

    private static IEnumerable<ProviderKey> Pairs(int count) =>
        Enumerable.Range(0, count).Select(i => ProviderKey.From($"model-{i}", $"http://127.0.0.1:{7000 + i % 7}"));

    [Fact]
    public void A_pairs_offset_is_the_same_every_time_it_is_computed()
    {
        var pair = ProviderKey.From("google/gemma-3-12b-it", "http://127.0.0.1:7000/");

        var first = PingSpread.OffsetFor(pair, TimeSpan.FromMinutes(5), Defaults);
        var again = PingSpread.OffsetFor(ProviderKey.From("google/gemma-3-12b-it", "http://127.0.0.1:7000/"), TimeSpan.FromMinutes(5), Defaults);

        Assert.Equal(first, again);
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
