using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using KeepAlive.Actors.Tests.Api;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>A real host with 5,000 pairs on hosts nothing is configured for (never pinged).</summary>
public sealed class ManyPairsHostFixture : IAsyncLifetime
{
    public const int Pairs = 5000;

    public HostProcess Host { get; private set; } = null!;

    public static string Model(int i) => $"model-{i:0000}";

    public async Task InitializeAsync()
    {
        Host = await HostProcess.StartAsync([]);
        await Host.WaitUntilReadyAsync();
        foreach (var batch in Enumerable.Range(0, Pairs).Chunk(1000))
        {
            var usages = batch.Select(i => new { model_name = Model(i), host = $"http://127.0.0.1:{9000 + (i % 50)}", keep_alive = "1h" });
            Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.PostAsJsonAsync("/api/usage/batch", usages)).StatusCode);
        }

        await Eventually.HoldsAsync(
            async () => (await (await Host.Http.GetAsync("/api/providers?limit=1")).JsonAsync()).GetProperty("total").GetInt32() == Pairs,
            TimeSpan.FromSeconds(60), $"{Pairs} pairs listed");
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[Collection(BrowserCollection.Name)]
public sealed class StatusPagePagingSpecs(BrowserFixture browser, ManyPairsHostFixture fixture) : IClassFixture<ManyPairsHostFixture>
{
    // The page's largest page size; the API allows up to PairQuery.MaxLimit.
    private const int LargestPage = 200;

    // What "quickly" means here, with room for a loaded 2-core machine (a page takes ~0.1 s when idle).
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(2);

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task Five_thousand_pairs_are_shown_one_page_at_a_time()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;
        var rows = page.Locator("#pairs tbody tr");
        var range = page.Locator("#page-range");

        await Expect(range).ToHaveTextAsync("1–50 of 5,000");
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(rows.First).ToHaveAttributeAsync("data-model", ManyPairsHostFixture.Model(0));

        await page.ClickAsync("#next-page");
        await Expect(range).ToHaveTextAsync("51–100 of 5,000");
        await Expect(rows.First).ToHaveAttributeAsync("data-model", ManyPairsHostFixture.Model(50));

        await page.SelectOptionAsync("#page-size", LargestPage.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(range).ToHaveTextAsync("1–200 of 5,000");
        await Expect(rows).ToHaveCountAsync(LargestPage);

        await page.ClickAsync("#pairs th[data-sort='model'] button");
        await Expect(rows.First).ToHaveAttributeAsync("data-model", ManyPairsHostFixture.Model(ManyPairsHostFixture.Pairs - 1));

        await page.FillAsync("#filter", "model-49");
        await Expect(range).ToHaveTextAsync("1–100 of 100");

        var listings = tab.Requests.Where(r => r.Url.Contains("/api/providers")).Select(r => new Uri(r.Url)).ToArray();
        Assert.NotEmpty(listings);
        Assert.All(listings, listing =>
        {
            var limit = System.Web.HttpUtility.ParseQueryString(listing.Query)["limit"];
            Assert.True(int.TryParse(limit, out var rowsAsked) && rowsAsked <= LargestPage, $"the page asked {listing}");
        });
    }

    [Theory]
    [InlineData("model")]
    [InlineData("node")]
    [InlineData("state")]
    [InlineData("next_wake_up")]
    [InlineData("last_ping")]
    [InlineData("consecutive_failures")]
    public async Task The_largest_page_of_five_thousand_pairs_answers_quickly_in_any_order(string sort)
    {
        var clock = Stopwatch.StartNew();
        var response = await Host.Http.GetAsync($"/api/providers?sort={sort}&order=desc&limit={LargestPage}");
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = await response.JsonAsync();
        Assert.Equal(LargestPage, list.GetProperty("count").GetInt32());
        Assert.Equal(ManyPairsHostFixture.Pairs, list.GetProperty("total").GetInt32());
        Assert.True(clock.Elapsed < Quickly, $"sorted by {sort}: {clock.Elapsed}");
    }
}
