using KeepAlive.Actors.Config;
using Xunit;

namespace KeepAlive.Actors.Tests.Config;

public sealed class KeepAliveDurationSpecs
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData(" 2 M ", 120)]
    [InlineData("30S", 30)]
    [InlineData("  45 m  ", 2700)]
    [InlineData("1H", 3600)]
    [InlineData("\t10\ts\n", 10)]
    [InlineData("007s", 7)]
    public void Integer_with_unit_is_an_interval(string text, long expectedSeconds)
    {
        var setting = KeepAliveDuration.Parse(text);

        Assert.Equal(new KeepAliveValue.Every(TimeSpan.FromSeconds(expectedSeconds)), setting);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("0s")]
    [InlineData("0m")]
    [InlineData(" 00 H ")]
    public void Null_empty_or_zero_is_off_with_a_reason(string? text)
    {
        var setting = KeepAliveDuration.Parse(text);

        var off = Assert.IsType<KeepAliveValue.Off>(setting);
        Assert.False(string.IsNullOrWhiteSpace(off.Reason));
    }

    [Theory]
    [InlineData("10", "missing unit")]
    [InlineData("1.5m", "fraction")]
    [InlineData("1,5m", "fraction")]
    [InlineData("-1m", "negative")]
    [InlineData("+1m", "sign")]
    [InlineData("5x", "unknown unit 'x'")]
    [InlineData("5 minutes", "unknown unit 'minutes'")]
    [InlineData("5ms", "unknown unit 'ms'")]
    [InlineData("1h30m", "combined units")]
    [InlineData("1h 30m", "combined units")]
    [InlineData("99999999999h", "too large")]
    [InlineData("99999999999999999999999s", "too large")]
    [InlineData("m", "expected <integer><unit>")]
    [InlineData("1 0s", "expected <integer><unit>")]
    [InlineData("false", "expected <integer><unit>")]
    [InlineData("\u0663s", "expected <integer><unit>")] // ARABIC-INDIC DIGIT THREE: not an ASCII integer
    public void Anything_else_is_invalid_with_a_reason_saying_what_is_wrong(string text, string reasonFragment)
    {
        var setting = KeepAliveDuration.Parse(text);

        var invalid = Assert.IsType<KeepAliveValue.Invalid>(setting);
        Assert.Equal(text, invalid.Input);
        Assert.Contains(reasonFragment, invalid.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Longest_interval_a_TimeSpan_holds_is_accepted_and_one_second_more_is_refused()
    {
        var maxSeconds = TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond;

        Assert.Equal(new KeepAliveValue.Every(TimeSpan.FromSeconds(maxSeconds)), KeepAliveDuration.Parse($"{maxSeconds}s"));
        Assert.IsType<KeepAliveValue.Invalid>(KeepAliveDuration.Parse($"{maxSeconds + 1}s"));
    }

    [Fact]
    public void Hours_that_would_overflow_only_after_multiplying_are_refused()
    {
        // Fits in a long as hours, but not as seconds in a TimeSpan: must not wrap around to a small or negative interval.
        var hours = TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerHour + 1;

        Assert.IsType<KeepAliveValue.Invalid>(KeepAliveDuration.Parse($"{hours}h"));
    }
}
