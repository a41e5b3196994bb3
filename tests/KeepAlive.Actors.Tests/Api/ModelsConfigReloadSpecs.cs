using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>The host watches its models-config file: each spec runs its own host on its own file.</summary>
public sealed class ModelsConfigReloadSpecs(ITestOutputHelper output) : ModelServerSpecs
{
    [Fact]
    public async Task A_valid_new_file_is_used_without_a_restart()
    {
        var config = ApiHost.WriteModelsConfig([]);
        await using var host = await HostProcess.StartAsync(["--models-config", config], echo: output.Sink());
        await host.WaitUntilReadyAsync();
        await host.PostUsageAsync("added-later", Server.Host, "1s");
        await host.WaitForPairAsync("added-later", Server.Host, s => s.Text("state") == "unconfigured", "unconfigured");

        await File.WriteAllTextAsync(config, ApiHost.ModelsConfigJson([new TestProvider("added-later", Server)]));

        await Server.WaitForRequestsAsync(r => r.Model == "added-later", timeout: ApiHost.Patience);
        await host.WaitForOutputAsync(line => line.Contains("[keep-alive] models-config reloaded: 1 provider(s)"), ApiHost.Patience);
    }

    [Fact]
    public async Task An_invalid_new_file_keeps_the_previous_catalog_and_logs_one_error()
    {
        var config = ApiHost.WriteModelsConfig([new TestProvider("kept", Server)]);
        await using var host = await HostProcess.StartAsync(["--models-config", config], echo: output.Sink());
        await host.WaitUntilReadyAsync();
        await host.PostUsageAsync("kept", Server.Host, "1s");
        await Server.WaitForRequestsAsync(r => r.Model == "kept", timeout: ApiHost.Patience);

        await File.WriteAllTextAsync(config, """{ "broken": """);

        await host.WaitForOutputAsync(line => line.Contains("was not reloaded, the previous catalog stays"), ApiHost.Patience);
        var pingsBefore = Server.Requests.Count;
        // Pings go on with the previous catalog: two more intervals, well past the reload's debounce.
        await Server.WaitForRequestsAsync(r => r.Model == "kept", count: pingsBefore + 2, timeout: ApiHost.Patience);
        Assert.Single(host.Output, line => line.Contains("was not reloaded"));
        Assert.DoesNotContain(host.Output, line => line.Contains("unconfigured") || line.Contains("no provider"));
    }
}
