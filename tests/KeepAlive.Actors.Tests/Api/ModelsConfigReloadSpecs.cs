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
    public async Task A_reload_follows_the_start_rules_active_models_decide_and_an_unusable_provider_is_skipped_with_a_warning()
    {
        await using var other = await FakeModelServer.StartAsync();
        var config = ApiHost.WriteModelsConfig([]);
        await File.WriteAllTextAsync(config, RouterConfig(active: "first"));
        await using var host = await HostProcess.StartAsync(["--models-config", config]);
        await host.WaitUntilReadyAsync();
        await host.PostUsageAsync("first", Server.Host, "1s");
        await host.PostUsageAsync("second", other.Host, "1s");
        await Server.WaitForRequestsAsync(r => r.Model == "first", timeout: ApiHost.Patience);
        await host.WaitForPairAsync("second", other.Host, s => s.Text("state") == "unconfigured", "unconfigured: not active yet");

        await File.WriteAllTextAsync(config, RouterConfig(active: "second", """{ "id": "broken", "api_type": "vllm", "api_host": 7000 }"""));

        await other.WaitForRequestsAsync(r => r.Model == "second", timeout: ApiHost.Patience);
        await host.WaitForPairAsync("first", Server.Host, s => s.Text("state") == "unconfigured", "unconfigured: no longer active");
        await host.WaitForOutputAsync(line => line.Contains("[keep-alive] models-config reloaded: 1 provider(s)"), ApiHost.Patience);
        Assert.Single(host.Output, line => line.Contains($"{config}: model 'second', provider 'broken': field 'api_host' must be a string"));
        Assert.DoesNotContain(host.Output, line => line.Contains("was not reloaded"));

        string RouterConfig(string active, string extraProvider = "") => $$"""
            { "test_models": {
                "first": { "providers": [ { "id": "first-1", "api_type": "vllm", "api_host": "{{Server.Host}}", "keep_alive": "1s" } ] },
                "second": { "providers": [ {{extraProvider}}{{(extraProvider.Length > 0 ? "," : "")}}
                  { "id": "second-1", "api_type": "vllm", "api_host": "{{other.Host}}", "keep_alive": "1s" } ] } },
              "active_models": { "test_models": [ "{{active}}" ] } }
            """;
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
