using System.Net.Http.Json;
using System.Text.RegularExpressions;
using KeepAlive.Actors.Tests.Api;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>The status page of a real demo host, in Debian's chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class StatusPageSpecs(BrowserFixture browser, DemoHostFixture demo) : IClassFixture<DemoHostFixture>
{
    private static readonly string[] DemoModelsByName = ["demo/gemma-3-4b", "demo/llama-3.1-8b", "demo/qwen-2.5-7b"];

    // The page's promise: a ping that happened is on screen within 2 s, without a reload.
    private static readonly TimeSpan PingShownWithin = TimeSpan.FromSeconds(2);

    private HostProcess Host => demo.Host;

    [Fact]
    public async Task The_page_shows_the_demo_pairs_their_hosts_and_the_cluster_member_they_live_on()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;
        var self = (await (await Host.Http.GetAsync("/api/cluster")).JsonAsync()).Text("self")!;

        await Expect(page.Locator("#pairs tbody td.model")).ToHaveTextAsync(DemoModelsByName);
        await Expect(page.Locator("#pairs tbody td.node")).ToHaveTextAsync([self, self, self]);
        await Expect(page.Locator("#pairs tbody td.next-ping").First).ToHaveTextAsync(new Regex(@"^(in \d+ s|due)$"));
        await Expect(page.Locator("#hosts tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#hosts tbody td.occupant")).ToHaveTextAsync([new Regex("^demo/"), new Regex("^demo/")]);

        var member = page.Locator("#cluster tbody tr");
        await Expect(member).ToHaveCountAsync(1);
        await Expect(member.Locator("td.address")).ToHaveTextAsync($"{self} (this node, leader)");
        await Expect(member.Locator("td.member-status")).ToHaveTextAsync("up");
        await Expect(member.Locator("td.reachable")).ToHaveTextAsync("reachable");
        await Expect(member.Locator("td.pairs")).ToHaveTextAsync("3");
    }

    [Fact]
    public async Task A_ping_shows_on_the_page_within_2_seconds_without_a_reload()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;
        var lastPing = page.Locator("#pairs tr[data-model='demo/gemma-3-4b'] td.last-ping");
        await Expect(lastPing).ToHaveAttributeAsync("data-at", new Regex(".+"));
        var shownFirst = await lastPing.GetAttributeAsync("data-at");
        await Expect(lastPing).ToHaveTextAsync(new Regex(@"^succeeded · HTTP 200 · \d+ ms · \d+ s ago$"));

        string? shownNext = null;
        await Eventually.HoldsAsync(async () =>
        {
            shownNext = await lastPing.GetAttributeAsync("data-at");
            return shownNext != shownFirst;
        }, TimeSpan.FromSeconds(30), "the next ping of demo/gemma-3-4b on the page");
        var seenAt = DateTimeOffset.UtcNow;

        // The host runs on this machine: its clock is the test's clock.
        var pingedAt = DateTimeOffset.Parse(shownNext!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(seenAt - pingedAt <= PingShownWithin, $"the ping of {pingedAt:O} showed at {seenAt:O}");
        Assert.Equal(0, navigations);
    }

    [Fact]
    public async Task The_busy_skip_shows_on_the_pair_whose_host_serves_another_model()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;

        // Which of the two models on the shared host was used last is up to the demo; the page must agree with itself.
        var skipped = page.Locator("#pairs tbody tr").Filter(new() { Has = page.Locator("td.last-skip", new() { HasTextRegex = new Regex("^host busy with demo/") }) });
        await Expect(skipped).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var occupant = Regex.Match(await skipped.Locator("td.last-skip").InnerTextAsync(), "^host busy with (?<model>.+)$").Groups["model"].Value;
        var host = await skipped.GetAttributeAsync("data-host");

        Assert.NotEqual(occupant, await skipped.GetAttributeAsync("data-model"));
        await Expect(page.Locator($"#hosts tr[data-host='{host}'] td.occupant")).ToHaveTextAsync(occupant);
        await Expect(page.Locator($"#pairs tr[data-model='{occupant}'] td.last-ping")).ToHaveTextAsync(new Regex("^succeeded"));
    }

    [Fact]
    public async Task A_real_request_in_flight_shows_on_its_host_until_it_finishes()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;
        var host = await DemoHostOfAsync("demo/gemma-3-4b");
        var inFlight = page.Locator($"#hosts tr[data-host='{host}'] td.in-flight");
        await Expect(inFlight).ToHaveTextAsync("0");

        await Host.Http.PostAsJsonAsync("/api/hosts/requests/start", new { host });
        try
        {
            await Expect(inFlight).ToHaveTextAsync("1");
        }
        finally
        {
            await Host.Http.PostAsJsonAsync("/api/hosts/requests/finish", new { host });
        }

        await Expect(inFlight).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task Clicking_a_column_header_sorts_the_pairs_and_clicking_it_again_reverses_them()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;
        var models = page.Locator("#pairs tbody td.model");
        await Expect(models).ToHaveTextAsync(DemoModelsByName);

        await page.ClickAsync("#pairs th[data-sort='model'] button");
        await Expect(models).ToHaveTextAsync(DemoModelsByName.Reverse().ToArray());
        await Expect(page.Locator("#pairs th[data-sort='model']")).ToHaveAttributeAsync("aria-sort", "descending");

        await page.ClickAsync("#pairs th[data-sort='next_wake_up'] button");
        await Expect(page.Locator("#pairs th[data-sort='next_wake_up']")).ToHaveAttributeAsync("aria-sort", "ascending");
        await Eventually.HoldsAsync(async () =>
        {
            // One read of the whole column: every render comes from one answer of the API.
            var due = await page.EvalOnSelectorAllAsync<string[]>("#pairs tbody td.next-ping", "cells => cells.map(c => c.dataset.due ?? '')");
            var present = due.Where(d => d.Length > 0).Select(d => DateTimeOffset.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            return due.Length == 3 && present.SequenceEqual(present.Order()) && due.SkipWhile(d => d.Length > 0).All(d => d.Length == 0);
        }, TimeSpan.FromSeconds(15), "pairs ordered by their next ping");
    }

    [Fact]
    public async Task The_filter_keeps_only_the_pairs_whose_model_host_or_node_matches()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        var page = tab.Page;
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(3);

        await page.FillAsync("#filter", "GEMMA");
        await Expect(page.Locator("#pairs tbody td.model")).ToHaveTextAsync(["demo/gemma-3-4b"]);
        await Expect(page.Locator("#page-range")).ToHaveTextAsync("1–1 of 1");

        var sharedHost = await DemoHostOfAsync("demo/llama-3.1-8b");
        await page.FillAsync("#filter", new Uri(sharedHost).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#pairs tbody td.model")).ToHaveTextAsync(["demo/llama-3.1-8b", "demo/qwen-2.5-7b"]);

        await page.FillAsync("#filter", "no such model");
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(0);
        await Expect(page.Locator("#no-pairs")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_narrow_window_shows_each_pair_as_a_card_without_scrolling_sideways()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress, new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 360, Height = 740 } });
        var page = tab.Page;
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(3);

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        Assert.Equal("\"Model\"", await page.EvalOnSelectorAsync<string>("#pairs tbody td.model", "cell => getComputedStyle(cell, '::before').content"));
        // Measured in one evaluation: the rows are rendered anew every second.
        var cellsOutside = await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('#pairs tbody td')].filter(td => { const r = td.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; }).length");
        Assert.Equal(0, cellsOutside);

        await page.ClickAsync("#pairs th[data-sort='model'] button");
        await Expect(page.Locator("#pairs tbody td.model").First).ToHaveTextAsync("demo/qwen-2.5-7b");
    }

    [Theory]
    [InlineData(ColorScheme.Dark)]
    [InlineData(ColorScheme.Light)]
    public async Task The_page_follows_the_browsers_colour_scheme(ColorScheme scheme)
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress, new BrowserNewContextOptions { ColorScheme = scheme });
        var page = tab.Page;
        await Expect(page.Locator("#pairs tbody tr")).ToHaveCountAsync(3);

        var background = Luminance(await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        var text = Luminance(await page.EvaluateAsync<string>("() => getComputedStyle(document.body).color"));
        if (scheme == ColorScheme.Dark) Assert.True(background < 0.2 && text > 0.7, $"dark: background {background}, text {text}");
        else Assert.True(background > 0.9 && text < 0.3, $"light: background {background}, text {text}");
    }

    [Fact]
    public async Task The_page_loads_nothing_from_another_origin()
    {
        await using var tab = await browser.OpenAsync(Host.BaseAddress);
        await Expect(tab.Page.Locator("#pairs tbody tr")).ToHaveCountAsync(3);

        var origin = Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.All(tab.Requests, request => Assert.StartsWith(origin + "/", request.Url));
        var page = await Host.Http.GetAsync("/");
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", await page.Content.ReadAsStringAsync());
    }

    private async Task<string> DemoHostOfAsync(string model)
    {
        var list = await (await Host.Http.GetAsync("/api/providers")).JsonAsync();
        return list.GetProperty("providers").EnumerateArray().Single(p => p.Text("model") == model).Text("host")!;
    }

    /// <summary>Relative luminance (0 black … 1 white) of a CSS <c>rgb(r, g, b)</c> colour.</summary>
    private static double Luminance(string rgb)
    {
        var channels = Regex.Matches(rgb, @"\d+").Take(3).Select(m => double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) / 255).ToArray();
        return (0.2126 * channels[0]) + (0.7152 * channels[1]) + (0.0722 * channels[2]);
    }
}
