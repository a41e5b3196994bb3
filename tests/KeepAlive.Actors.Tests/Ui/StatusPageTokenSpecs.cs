using System.Net;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>A real demo host started with <c>--api-token</c>.</summary>
public sealed class TokenDemoHostFixture : IAsyncLifetime
{
    public const string Token = "status-page-token-7d41c2";

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await HostProcess.StartAsync(["--demo", "--api-token", Token], apiToken: Token);
        await Host.WaitUntilReadyAsync();
        // The demo's pairs exist before the page is opened: there is something that must stay unreadable.
        await Eventually.HoldsAsync(async () => (await Host.Http.GetStringAsync("/api/providers")).Contains("demo/gemma-3-4b"),
            TimeSpan.FromSeconds(30), "the demo pairs");
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[Collection(BrowserCollection.Name)]
public sealed class StatusPageTokenSpecs(BrowserFixture browser, TokenDemoHostFixture fixture) : IClassFixture<TokenDemoHostFixture>
{
    private const string TokenKey = "keepalive.apiToken";

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task With_a_token_the_page_asks_for_it_and_shows_nothing_of_the_service_before()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;

        await Expect(page.Locator("#token-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#status")).ToBeHiddenAsync();
        Assert.DoesNotContain("demo/", await page.ContentAsync());
        var apiAnswers = await Task.WhenAll(tab.Requests.Where(r => r.Url.Contains("/api/")).Select(r => r.ResponseAsync()));
        Assert.NotEmpty(apiAnswers);
        Assert.All(apiAnswers, answer => Assert.Equal((int)HttpStatusCode.Unauthorized, answer!.Status));

        await page.FillAsync("#token", TokenDemoHostFixture.Token);
        await page.ClickAsync("#token-form button[type=submit]");
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#token-form")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_wrong_token_is_refused_and_asked_for_again()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;

        await page.FillAsync("#token", "not-the-token");
        await page.ClickAsync("#token-form button[type=submit]");

        await Expect(page.Locator("#token-refused")).ToBeVisibleAsync();
        await Expect(page.Locator("#token-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#status")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>($"() => sessionStorage.getItem('{TokenKey}')"));
    }

    [Fact]
    public async Task The_token_is_kept_for_the_tab_only_and_never_put_in_an_address()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;
        await page.FillAsync("#token", TokenDemoHostFixture.Token);
        await page.ClickAsync("#token-form button[type=submit]");
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(3);

        // The same tab keeps it across a reload...
        await page.ReloadAsync();
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#token-form")).ToBeHiddenAsync();

        // ...another tab of the same browser does not have it.
        var otherTab = await tab.OpenAsync(Host.BaseAddress);
        await Expect(otherTab.Locator("#token-form")).ToBeVisibleAsync();
        await Expect(otherTab.Locator("#status")).ToBeHiddenAsync();

        Assert.Equal(TokenDemoHostFixture.Token, await page.EvaluateAsync<string>($"() => sessionStorage.getItem('{TokenKey}')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Empty(await tab.Context.CookiesAsync());
        Assert.All(tab.Requests, request => Assert.DoesNotContain(TokenDemoHostFixture.Token, request.Url));
        Assert.DoesNotContain(TokenDemoHostFixture.Token, page.Url);
        var sentWithToken = tab.Requests.Where(r => r.Url.Contains("/api/providers") && r.Headers.ContainsKey("authorization")).ToArray();
        Assert.NotEmpty(sentWithToken);
        Assert.All(sentWithToken, request => Assert.Equal($"Bearer {TokenDemoHostFixture.Token}", request.Headers["authorization"]));
    }

    [Fact]
    public async Task The_page_itself_is_served_without_the_token_and_holds_no_data()
    {
        using var anonymous = new HttpClient { BaseAddress = Host.BaseAddress };
        foreach (var path in new[] { "/", "/ui/status.js", "/ui/status.css" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("demo/", await response.Content.ReadAsStringAsync());
        }

        foreach (var path in new[] { "/api/providers", "/api/hosts", "/api/cluster" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        }
    }
}
