namespace KeepAlive.Actors.Scheduling;

/// <summary>Redis's order of sorted-set members with equal scores: by their UTF-8 bytes, that is by code point.</summary>
internal static class MemberOrder
{
    public static int Compare(string x, string y)
    {
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            if (x[i] != y[i]) return CodePointRank(x[i]) - CodePointRank(y[i]);
        }
        return x.Length - y.Length;
    }

    // UTF-16 ordinal order puts code points above U+FFFF (surrogates) before U+E000..U+FFFF; UTF-8 puts them after.
    private static int CodePointRank(char c) => c >= '\uE000' ? c - 0x800 : char.IsSurrogate(c) ? c + 0x2000 : c;
}
