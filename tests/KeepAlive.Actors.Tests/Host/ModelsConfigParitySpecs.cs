using KeepAlive.Actors.Tests.Api;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;

namespace KeepAlive.Actors.Tests.Host;

/// <summary>
/// The real host on models-config files the router runs with: providers it cannot use are skipped with a
/// warning and every other one is pinged; active_models decides which models are loaded unless --all-models.
/// Each model has its own fake model server, so no two pairs share a host (and its occupancy).
/// </summary>
public sealed class ModelsConfigParitySpecs : IAsyncLifetime
{
    private readonly Dictionary<string, FakeModelServer> _servers = [];
    private string _config = null!;

    public async Task InitializeAsync()
    {
        foreach (var model in new[] { "good", "no-id", "token-number", "inactive" }) _servers[model] = await FakeModelServer.StartAsync();

        // Read as the router reads it: "no-api-host" and "token-number" are never used by the router either, and
        // "inactive" is not listed under active_models.
        var json = $$"""
            {
              "router_models": {
                "good": { "providers": [ { "id": "good-1", "api_type": "vllm", "api_host": "{{Host("good")}}", "keep_alive": "1s" } ] },
                "no-id": { "providers": [ { "api_type": "vllm", "api_host": "{{Host("no-id")}}", "keep_alive": "1s" } ] },
                "no-api-host": { "providers": [ { "id": "no-api-host-1", "api_type": "vllm", "keep_alive": "1s" } ] },
                "token-number": { "providers": [ { "id": "token-number-1", "api_type": "vllm", "api_host": "{{Host("token-number")}}", "api_token": 4711, "keep_alive": "1s" } ] },
                "inactive": { "providers": [ { "id": "inactive-1", "api_type": "vllm", "api_host": "{{Host("inactive")}}", "keep_alive": "1s" } ] }
              },
              "active_models": { "router_models": [ "good", "no-id", "no-api-host", "token-number" ] }
            }
            """;
        _config = Path.Combine(Directory.CreateTempSubdirectory("keepalive-parity-").FullName, "models-config.json");
        await File.WriteAllTextAsync(_config, json);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values) await server.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_config)!, recursive: true);
    }

    [Fact]
    public async Task Host_starts_on_a_file_with_unusable_providers_warns_once_for_each_and_pings_the_others()
    {
        await using var host = await HostProcess.StartAsync(["--models-config", _config]);
        await host.WaitUntilReadyAsync();

        Assert.Single(host.Output, line => Warns(line, "model 'no-api-host', provider 'no-api-host-1': field 'api_host'"));
        Assert.Single(host.Output, line => Warns(line, "model 'token-number', provider 'token-number-1': field 'api_token'"));
        Assert.Single(host.Output, line => Warns(line, "model 'no-id', providers[0]: field 'id'"));
        Assert.Contains(host.Output, line => line.Contains($"[keep-alive] loaded 2 provider(s) from {_config}"));

        foreach (var model in _servers.Keys) await host.PostUsageAsync(model, Host(model), "1s");

        await _servers["good"].WaitForRequestsAsync(r => r.Model == "good", timeout: ApiHost.Patience);
        await _servers["no-id"].WaitForRequestsAsync(r => r.Model == "no-id", timeout: ApiHost.Patience);
        await host.WaitForPairAsync("token-number", Host("token-number"), IsUnconfigured, "unconfigured: skipped provider");
        await host.WaitForPairAsync("inactive", Host("inactive"), IsUnconfigured, "unconfigured: not an active model");
        Assert.Empty(_servers["token-number"].Requests);
        Assert.Empty(_servers["inactive"].Requests);
    }

    [Fact]
    public async Task All_models_pings_a_model_that_active_models_leaves_out()
    {
        await using var host = await HostProcess.StartAsync(["--models-config", _config, "--all-models"]);
        await host.WaitUntilReadyAsync();

        await host.PostUsageAsync("inactive", Host("inactive"), "1s");

        await _servers["inactive"].WaitForRequestsAsync(r => r.Model == "inactive", timeout: ApiHost.Patience);
        Assert.Contains(host.Output, line => line.Contains($"[keep-alive] loaded 3 provider(s) from {_config}"));
    }

    [Fact]
    public async Task Host_refuses_to_start_only_on_a_file_that_is_not_json_naming_the_file_and_the_place()
    {
        await File.WriteAllTextAsync(_config, "{ \"router_models\": { ");

        var refused = await Assert.ThrowsAsync<TimeoutException>(() => HostProcess.StartAsync(["--models-config", _config]));

        // The host exits before it listens; the fixture's message carries its output.
        Assert.Contains("exited: True", refused.Message);
        Assert.Contains($"[keep-alive] cannot start: {_config}: invalid JSON at line 1", refused.Message);
    }

    private string Host(string model) => _servers[model].Host;

    private bool Warns(string line, string about) => line.Contains($"[keep-alive] {_config}: {about}");

    private static bool IsUnconfigured(System.Text.Json.JsonElement status) =>
        status.Text("state") == "unconfigured" && status.Text("reason") == "no provider in models-config for this model and host";
}
