using System.Globalization;
using System.Text;

namespace KeepAlive.Actors;

/// <summary>Values written by others (Redis members, models-config names) as warnings quote them.</summary>
internal static class LogText
{
    /// <summary>Enough of a value to recognise it; a megabyte-long member must not make a megabyte-long log line.</summary>
    public const int QuotedChars = 120;

    /// <summary>The value in quotes; one longer than <see cref="QuotedChars"/> is cut there and followed by its full size.</summary>
    public static string Quoted(string value)
    {
        if (value.Length <= QuotedChars) return $"'{value}'";
        // Never cut between the two halves of a surrogate pair: the line would hold a lone surrogate.
        var cut = char.IsHighSurrogate(value[QuotedChars - 1]) ? QuotedChars - 1 : QuotedChars;
        return string.Create(CultureInfo.InvariantCulture, $"'{value[..cut]}'…({Encoding.UTF8.GetByteCount(value):N0} bytes)");
    }
}
