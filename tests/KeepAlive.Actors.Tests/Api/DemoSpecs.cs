using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>The README's first command: <c>--demo</c> shows pings and a busy skip on its own.</summary>
public sealed class DemoSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_demo_prints_pings_and_a_busy_skip_within_15_seconds()
    {
        await using var host = await HostProcess.StartAsync(["--demo"], echo: output.Sink());

        await host.WaitForOutputAsync(line => line.Contains("[keep-alive] pinging demo/"), Remaining(host));
        await host.WaitForOutputAsync(line => line.Contains("[keep-alive] ping of demo/") && line.Contains("succeeded: HTTP 200"), Remaining(host));
        await host.WaitForOutputAsync(line => line.Contains("skipped: host busy with demo/"), Remaining(host));
    }

    [Fact]
    public async Task The_demo_console_shows_keep_alive_lines_without_http_client_or_cluster_chatter()
    {
        await using var host = await HostProcess.StartAsync(["--demo"], echo: output.Sink());

        await host.WaitForOutputAsync(line => line.Contains("succeeded: HTTP 200"), TimeSpan.FromSeconds(60));

        Assert.DoesNotContain(host.Output, line => line.Contains("System.Net.Http.HttpClient"));
        Assert.DoesNotContain(host.Output, line => line.Contains("is JOINING") || line.Contains("Leader is moving node"));
    }

    private static TimeSpan Remaining(HostProcess host) =>
        Promise - host.Started.Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
}
