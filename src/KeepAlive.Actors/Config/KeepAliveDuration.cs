namespace KeepAlive.Actors.Config;

/// <summary>What a <c>keep_alive</c> value means for a pair.</summary>
public abstract record KeepAliveSetting
{
    private KeepAliveSetting() { }

    /// <summary>Ping after the pair has been idle this long.</summary>
    public sealed record Every(TimeSpan Interval) : KeepAliveSetting;

    /// <summary>A falsy value (<c>null</c>, <c>""</c>, <c>false</c>, <c>"0s"</c>): the pair is never pinged.</summary>
    public sealed record Off(string Reason) : KeepAliveSetting;

    /// <summary>Not of the grammar: the pair is not scheduled and the reason says why.</summary>
    public sealed record Invalid(string Input, string Reason) : KeepAliveSetting;
}

/// <summary>The one place that knows the duration grammar: <c>&lt;integer&gt;&lt;s|m|h&gt;</c>.</summary>
public static partial class KeepAliveDuration
{
    /// <summary>Parses a keep_alive value. Never throws: bad input is an <see cref="KeepAliveSetting.Invalid"/>.</summary>
    public static KeepAliveSetting Parse(string? text) => throw new NotImplementedException();
}
