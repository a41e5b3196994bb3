using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using KeepAlive.Actors.Tests.Api;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>Two real host processes in one cluster, seen from the first one's status page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ClusterStatusSpecs(BrowserFixture browser)
{
    private const int Pairs = 40;

    // Long enough that the split brain resolver never downs the frozen node during the test.
    private static readonly string[] NoDowning = ["--stable-after", "10m"];

    [Fact]
    public async Task The_page_shows_which_node_each_pair_lives_on_and_a_node_that_stops_answering_as_unreachable()
    {
        var seedPort = TestHttp.FreeLoopbackPort();
        await using var seed = await HostProcess.StartAsync(["--port", Port(seedPort), .. NoDowning]);
        await using var joiner = await HostProcess.StartAsync(
            ["--port", Port(TestHttp.FreeLoopbackPort()), "--seed-nodes", $"akka.tcp://keepalive@127.0.0.1:{seedPort}", .. NoDowning]);
        await seed.WaitUntilReadyAsync();
        await joiner.WaitUntilReadyAsync();
        var usages = Enumerable.Range(0, Pairs).Select(i => new { model_name = $"spread-{i:00}", host = "http://127.0.0.1:9", keep_alive = "1h" });
        await seed.Http.PostAsJsonAsync("/api/usage/batch", usages);
        var joinerAddress = (await (await joiner.Http.GetAsync("/api/cluster")).JsonAsync()).Text("self")!;
        var seedAddress = (await (await seed.Http.GetAsync("/api/cluster")).JsonAsync()).Text("self")!;
        // New shards go to the region with the fewest; the coordinator rebalances the rest.
        await Eventually.HoldsAsync(async () =>
        {
            var members = (await (await seed.Http.GetAsync("/api/cluster")).JsonAsync()).GetProperty("members").EnumerateArray().ToArray();
            return members.Length == 2 && members.Sum(PairsOf) == Pairs && members.All(m => PairsOf(m) > 0);
        }, TimeSpan.FromSeconds(60), "the pairs spread over both nodes");

        await using var tab = await browser.OpenAsync(seed.BaseAddress);
        var page = tab.Page;
        await Expect(page.Locator("#cluster tbody td.reachable")).ToHaveTextAsync(["reachable", "reachable"]);
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(Pairs);
        var nodes = await page.Locator("#pairs tbody td.node").AllInnerTextsAsync();
        Assert.Equal(new[] { seedAddress, joinerAddress }.Order(), nodes.Distinct().Order());
        var onSeed = nodes.Count(n => n == seedAddress);
        await Expect(page.Locator($"#cluster tr[data-address='{seedAddress}'] td.pairs")).ToHaveTextAsync(onSeed.ToString(CultureInfo.InvariantCulture));

        await joiner.SignalAsync("STOP");
        try
        {
            var joinerRow = page.Locator($"#cluster tr[data-address='{joinerAddress}']");
            await Expect(joinerRow.Locator("td.reachable")).ToHaveTextAsync("unreachable", new() { Timeout = 60_000 });
            await Expect(joinerRow.Locator("td.pairs")).ToHaveTextAsync("—");
            await Expect(page.Locator("#missing-nodes")).ToContainTextAsync(joinerAddress);
            await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(onSeed);

            // The frozen node is reported, not waited for.
            var clock = Stopwatch.StartNew();
            var list = await (await seed.Http.GetAsync("/api/providers")).JsonAsync();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"listing with a frozen node took {clock.Elapsed}");
            Assert.Equal([joinerAddress], list.GetProperty("unreachable_nodes").EnumerateArray().Select(n => n.GetString()));
        }
        finally
        {
            await joiner.SignalAsync("CONT");
        }
    }

    private static int PairsOf(JsonElement member) =>
        member.GetProperty("pairs").ValueKind == JsonValueKind.Number ? member.GetProperty("pairs").GetInt32() : 0;

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
