namespace KeepAlive.Actors.Scheduling;

/// <summary>The sorted set in memory, in Redis's order. Not thread-safe: its owner locks.</summary>
internal sealed class SortedWakeUps
{
    private static readonly IComparer<ScoredMember> RedisOrder = Comparer<ScoredMember>.Create(
        (x, y) => x.Score != y.Score ? x.Score.CompareTo(y.Score) : CompareMembers(x.Member, y.Member));

    private readonly SortedSet<ScoredMember> _ordered = new(RedisOrder);
    private readonly Dictionary<string, double> _scores = new(StringComparer.Ordinal);

    public void Set(string member, double score)
    {
        Remove(member);
        _scores.Add(member, score);
        _ordered.Add(new ScoredMember(member, score));
    }

    public void Remove(string member)
    {
        if (_scores.Remove(member, out var score)) _ordered.Remove(new ScoredMember(member, score));
    }

    public void Clear()
    {
        _scores.Clear();
        _ordered.Clear();
    }

    public List<ScoredMember> Range(double min, double max, long skip, int take) =>
        Between(min, max).Skip(checked((int)skip)).Take(take).ToList();

    public long Count(double min, double max) => Between(min, max).Count;

    private SortedSet<ScoredMember> Between(double min, double max) =>
        min > max ? [] : _ordered.GetViewBetween(Before(min), Before(Math.BitIncrement(max)));

    // A bound below every member of the score: null sorts before any member.
    private static ScoredMember Before(double score) => new(null!, score);

    private static int CompareMembers(string? x, string? y) =>
        x is null || y is null ? Comparer<string?>.Default.Compare(x, y) : MemberOrder.Compare(x, y);
}
