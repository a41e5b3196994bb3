using System.Globalization;
using KeepAlive.Actors.Pairs;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Host.Api;

/// <summary>Columns the pair list sorts by, with their names in the query string.</summary>
public enum PairSort
{
    Model,
    Host,
    Node,
    State,
    NextWakeUp,
    LastPing,
    ConsecutiveFailures,
}

/// <summary>
/// Which pairs <c>GET /api/providers</c> answers with, in which order: a text filter, a sort column and
/// a page (<c>?q=&amp;sort=&amp;order=&amp;offset=&amp;limit=</c>). Without parameters: every pair by model.
/// </summary>
/// <remarks>
/// The filter and the key columns (model, host, node) are known from the shard regions alone, so a page
/// sorted by them asks only the pairs on that page. Sorting by a status column has to ask every matching
/// pair first (one ask each, 16 at a time): the cost grows with the pairs, not the page.
/// </remarks>
public sealed record PairQuery(string? Text, PairSort Sort, bool Descending, int Offset, int? Limit)
{
    /// <summary>The largest page: big enough for a screen, small enough to answer quickly at any cluster size.</summary>
    public const int MaxLimit = 500;

    public static PairQuery All { get; } = new(null, PairSort.Model, false, 0, null);

    /// <summary>The query parameters <see cref="Read"/> reads.</summary>
    public static IReadOnlyList<string> Parameters { get; } = ["q", "sort", "order", "offset", "limit"];

    private static readonly IReadOnlyDictionary<string, PairSort> SortNames = new Dictionary<string, PairSort>
    {
        ["model"] = PairSort.Model,
        ["host"] = PairSort.Host,
        ["node"] = PairSort.Node,
        ["state"] = PairSort.State,
        ["next_wake_up"] = PairSort.NextWakeUp,
        ["last_ping"] = PairSort.LastPing,
        ["consecutive_failures"] = PairSort.ConsecutiveFailures,
    };

    /// <summary>True when the order needs every matching pair's status, not only the page's.</summary>
    public bool NeedsEveryStatus => Sort is not (PairSort.Model or PairSort.Host or PairSort.Node);

    /// <summary>Reads the query string; a bad parameter is added to <paramref name="problems"/> by name, with what it accepts.</summary>
    public static PairQuery? Read(IQueryCollection query, UsageRequests.Problems problems)
    {
        var text = query["q"].ToString().Trim();
        var sort = PairSort.Model;
        if (query["sort"].ToString() is { Length: > 0 } sortName && !SortNames.TryGetValue(sortName, out sort))
            problems.Add("sort", $"must be one of {string.Join(", ", SortNames.Keys)}");

        var order = query["order"].ToString();
        if (order is not ("" or "asc" or "desc")) problems.Add("order", "must be asc or desc");

        var offset = ReadInt(query, "offset", 0, int.MaxValue, problems) ?? 0;
        var limit = ReadInt(query, "limit", 1, MaxLimit, problems);
        return problems.Count > 0 ? null : new PairQuery(text.Length == 0 ? null : text, sort, order == "desc", offset, limit);
    }

    /// <summary>Whether a pair hosted on <paramref name="node"/> matches the text filter (model, host or node, ignoring case).</summary>
    public bool Matches(PairKey pair, string node) =>
        Text is null ||
        pair.Model.Contains(Text, StringComparison.OrdinalIgnoreCase) ||
        pair.Host.Contains(Text, StringComparison.OrdinalIgnoreCase) ||
        node.Contains(Text, StringComparison.OrdinalIgnoreCase);

    /// <summary>The rows in this query's order; <paramref name="status"/> may answer null only when <see cref="NeedsEveryStatus"/> is false.</summary>
    public IEnumerable<T> Order<T>(IEnumerable<T> rows, Func<T, PairKey> pair, Func<T, string> node, Func<T, PairStatus?> status)
    {
        var ordered = Sort switch
        {
            PairSort.Model => By(rows, row => pair(row).Model),
            PairSort.Host => By(rows, row => pair(row).Host),
            PairSort.Node => By(rows, node),
            PairSort.State => By(rows, row => PairStatusJson.StateName(status(row)!.State)),
            PairSort.NextWakeUp => ByPresent(rows, row => status(row)!.NextWakeUp),
            PairSort.LastPing => ByPresent(rows, row => status(row)!.LastPing?.At),
            PairSort.ConsecutiveFailures => By(rows, row => status(row)!.ConsecutiveFailures),
            _ => throw new ArgumentOutOfRangeException(nameof(rows), Sort, "unknown sort column"),
        };
        // Ties keep one stable order, so paging never shows a pair twice or skips one.
        return ordered.ThenBy(row => pair(row).EntityId, StringComparer.Ordinal);
    }

    /// <summary>This query's page of already ordered rows.</summary>
    public IEnumerable<T> Page<T>(IEnumerable<T> ordered) => ordered.Skip(Offset).Take(Limit ?? int.MaxValue);

    private IOrderedEnumerable<T> By<T>(IEnumerable<T> rows, Func<T, string> key) =>
        Descending ? rows.OrderByDescending(key, StringComparer.OrdinalIgnoreCase) : rows.OrderBy(key, StringComparer.OrdinalIgnoreCase);

    private IOrderedEnumerable<T> By<T>(IEnumerable<T> rows, Func<T, int> key) =>
        Descending ? rows.OrderByDescending(key) : rows.OrderBy(key);

    /// <summary>Rows without the value (never pinged, no wake-up) come last in both directions.</summary>
    private IOrderedEnumerable<T> ByPresent<T>(IEnumerable<T> rows, Func<T, DateTimeOffset?> key)
    {
        var present = rows.OrderBy(row => key(row) is null);
        return Descending ? present.ThenByDescending(key) : present.ThenBy(key);
    }

    private static int? ReadInt(IQueryCollection query, string name, int min, int max, UsageRequests.Problems problems)
    {
        var text = query[name].ToString();
        if (text.Length == 0) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        problems.Add(name, max == int.MaxValue ? $"must be a whole number of at least {min}" : $"must be a whole number from {min} to {max}");
        return null;
    }
}
