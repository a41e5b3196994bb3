using Microsoft.Playwright;
using Xunit;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>
/// Debian's chromium (installed by scripts/test.sh), driven by Playwright through its ExecutablePath:
/// Playwright's own browser download is never used. One browser for every status page spec; each
/// test opens its own context (own tab storage, own viewport).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where Debian puts chromium; <c>CHROMIUM_PATH</c> names another.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    // Headless as root on a machine whose only network is loopback: no sandbox, no GPU, and none of
    // chromium's own background connections (they would be refused, many at a time).
    private static readonly string[] ChromiumFlags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"No chromium at {ChromiumPath}: install Debian's chromium (apt-get install chromium; scripts/test.sh does) or set CHROMIUM_PATH.");
        }

        _playwright = await Playwright.CreateAsync();
        // Playwright gives every launch a fresh temporary profile (user data dir) and removes it on close.
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumFlags,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }

    /// <summary>A new tab in a context of its own, at <paramref name="address"/>; <paramref name="options"/> sets viewport or colour scheme.</summary>
    public async Task<BrowserTab> OpenAsync(Uri address, BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new BrowserNewContextOptions());
        context.SetDefaultTimeout(30_000);
        var tab = new BrowserTab(context);
        await tab.OpenAsync(address);
        return tab;
    }
}

/// <summary>A browser context (one profile) with a first tab; every request of its tabs is recorded. Disposing closes it.</summary>
public sealed class BrowserTab(IBrowserContext context) : IAsyncDisposable
{
    private readonly List<IRequest> _requests = [];
    private IPage? _first;

    public IBrowserContext Context => context;

    /// <summary>The first tab.</summary>
    public IPage Page => _first ?? throw new InvalidOperationException("No tab is open yet.");

    /// <summary>Every request any tab of this context sent, in order.</summary>
    public IReadOnlyList<IRequest> Requests
    {
        get
        {
            lock (_requests) return _requests.ToArray();
        }
    }

    /// <summary>Opens <paramref name="address"/> in a new tab of this context (the first call makes <see cref="Page"/>).</summary>
    public async Task<IPage> OpenAsync(Uri address)
    {
        var page = await context.NewPageAsync();
        page.Request += (_, request) =>
        {
            lock (_requests) _requests.Add(request);
        };
        _first ??= page;
        await page.GotoAsync(address.ToString());
        return page;
    }

    public ValueTask DisposeAsync() => context.DisposeAsync();
}

// Browser specs share one chromium and run one after another, each with real host processes, and after the
// parallel specs: the page's 2 s promise is measured, and other specs' timings must not pay for a browser.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "status page in a browser";
}
