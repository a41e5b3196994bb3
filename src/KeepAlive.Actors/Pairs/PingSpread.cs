using System.IO.Hashing;
using System.Text;

namespace KeepAlive.Actors.Pairs;

/// <summary>
/// The stable per-pair offset added to every wake-up, so pairs registered (or recovered) together do not
/// all fire in the same tick. Stable across processes (a hash of the entity id), so a recovered pair keeps it.
/// </summary>
public static class PingSpread
{
    public static TimeSpan OffsetFor(PairKey pair, TimeSpan interval, KeepAliveSettings settings)
    {
        var window = TimeSpan.FromTicks((long)(interval.Ticks * settings.SpreadFraction));
        if (window > settings.MaxSpread) window = settings.MaxSpread;
        if (window <= TimeSpan.Zero) return TimeSpan.Zero;
        var fraction = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(pair.EntityId)) / (double)uint.MaxValue;
        return TimeSpan.FromMilliseconds(Math.Floor(window.TotalMilliseconds * fraction));
    }
}
