using KeepAlive.Actors.Pairs;
using KeepAlive.Host.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Xunit;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>How <c>GET /api/providers</c> reads its query string and filters, orders and pages the pairs.</summary>
public sealed class PairQuerySpecs
{
    private const string NodeA = "akka.tcp://keepalive@127.0.0.1:4053";
    private const string NodeB = "akka.tcp://keepalive@127.0.0.1:4054";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_parameters_every_pair_is_asked_for_in_model_order()
    {
        var query = Read([]);

        Assert.Equal(PairQuery.All, query);
        Assert.False(query!.NeedsEveryStatus);
        Assert.Equal(["a", "B", "c"], Models(query.Page(Order(query, [Status("c"), Status("a"), Status("B")]))));
    }

    [Theory]
    [InlineData("limit", "0", "limit", "from 1 to 500")]
    [InlineData("limit", "501", "limit", "from 1 to 500")]
    [InlineData("limit", "ten", "limit", "from 1 to 500")]
    [InlineData("offset", "-1", "offset", "at least 0")]
    [InlineData("sort", "latency", "sort", "next_wake_up")]
    [InlineData("order", "up", "order", "asc or desc")]
    public void A_bad_parameter_is_refused_by_name_with_what_it_accepts(string name, string value, string field, string accepted)
    {
        var problems = new UsageRequests.Problems();

        var query = PairQuery.Read(new QueryCollection(new Dictionary<string, StringValues> { [name] = value }), problems);

        Assert.Null(query);
        Assert.Contains(accepted, Assert.Single(problems[field]));
    }

    [Fact]
    public void The_filter_matches_model_host_or_node_ignoring_case()
    {
        var query = Read(new() { ["q"] = " GEMMA " })!;

        Assert.True(query.Matches(PairKey.From("google/gemma-3", "http://h1:1"), NodeA));
        Assert.True(Read(new() { ["q"] = "H1:1" })!.Matches(PairKey.From("m", "http://h1:1"), NodeA));
        Assert.True(Read(new() { ["q"] = "4054" })!.Matches(PairKey.From("m", "http://h1:1"), NodeB));
        Assert.False(query.Matches(PairKey.From("llama", "http://h1:1"), NodeA));
    }

    [Theory]
    [InlineData("model", false)]
    [InlineData("host", false)]
    [InlineData("node", false)]
    [InlineData("state", true)]
    [InlineData("next_wake_up", true)]
    [InlineData("last_ping", true)]
    [InlineData("consecutive_failures", true)]
    public void Only_status_columns_need_every_pairs_status(string sort, bool needsEveryStatus) =>
        Assert.Equal(needsEveryStatus, Read(new() { ["sort"] = sort })!.NeedsEveryStatus);

    [Fact]
    public void Pairs_without_a_next_ping_come_last_in_either_order()
    {
        PairStatus[] pairs = [Status("off", next: null), Status("late", next: Now.AddSeconds(30)), Status("soon", next: Now.AddSeconds(5))];

        Assert.Equal(["soon", "late", "off"], Models(Order(Read(new() { ["sort"] = "next_wake_up" })!, pairs)));
        Assert.Equal(["late", "soon", "off"], Models(Order(Read(new() { ["sort"] = "next_wake_up", ["order"] = "desc" })!, pairs)));
    }

    [Fact]
    public void Pairs_sort_by_last_ping_failures_state_and_node()
    {
        PairStatus[] pairs =
        [
            Status("never", node: NodeB),
            Status("failing", failures: 3, pingedAt: Now.AddSeconds(-1), state: PairState.BackingOff),
            Status("fine", pingedAt: Now.AddSeconds(-20)),
        ];

        Assert.Equal(["fine", "failing", "never"], Models(Order(Read(new() { ["sort"] = "last_ping" })!, pairs)));
        Assert.Equal(["failing", "fine", "never"], Models(Order(Read(new() { ["sort"] = "consecutive_failures", ["order"] = "desc" })!, pairs)));
        Assert.Equal(["failing", "fine", "never"], Models(Order(Read(new() { ["sort"] = "state" })!, pairs)));
        Assert.Equal(["never", "failing", "fine"], Models(Order(Read(new() { ["sort"] = "node", ["order"] = "desc" })!, pairs)));
    }

    [Fact]
    public void A_page_is_the_offset_and_limit_of_one_stable_order()
    {
        // Equal keys (one host) are ordered by the pair, so consecutive pages never repeat or skip a pair.
        var pairs = Enumerable.Range(0, 25).Select(i => Status($"m{i:00}", host: "http://same:1")).Reverse().ToArray();
        var query = Read(new() { ["sort"] = "host", ["offset"] = "10", ["limit"] = "10" })!;

        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"m{i:00}"), Models(query.Page(Order(query, pairs))));
        Assert.Equal(["m20", "m21", "m22", "m23", "m24"], Models((query with { Offset = 20 }).Page(Order(query, pairs))));
    }

    private static PairQuery? Read(Dictionary<string, StringValues> parameters)
    {
        var problems = new UsageRequests.Problems();
        var query = PairQuery.Read(new QueryCollection(parameters), problems);
        Assert.Empty(problems);
        return query;
    }

    private static IEnumerable<PairStatus> Order(PairQuery query, IEnumerable<PairStatus> pairs) =>
        query.Order(pairs, s => s.Pair, s => s.Node, s => s);

    private static string[] Models(IEnumerable<PairStatus> pairs) => pairs.Select(p => p.Pair.Model).ToArray();

    private static PairStatus Status(
        string model, string host = "http://h:1", string node = NodeA, DateTimeOffset? next = null,
        int failures = 0, DateTimeOffset? pingedAt = null, PairState state = PairState.Scheduled) =>
        new(PairKey.From(model, host), 60, state, next, null,
            pingedAt is { } at ? new LastPing(at, failures == 0, failures == 0 ? 200 : 503, TimeSpan.FromMilliseconds(10), null) : null,
            failures, null, null, node);
}
