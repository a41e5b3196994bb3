using System.Text;

namespace KeepAlive.Testing;

/// <summary>
/// Model names and hosts of an exact UTF-8 length, made of two-byte characters: each has far fewer chars than bytes,
/// so a limit counted in chars instead of bytes would take one that is over it.
/// </summary>
public static class LongNames
{
    /// <summary><paramref name="start"/> (ASCII), then 'é's and, when one byte is left, an 'a': exactly <paramref name="bytes"/> UTF-8 bytes.</summary>
    public static string OfBytes(int bytes, string start = "")
    {
        var rest = bytes - Encoding.UTF8.GetByteCount(start);
        return start + string.Concat(Enumerable.Repeat("é", rest / 2)) + (rest % 2 == 1 ? "a" : string.Empty);
    }
}
