using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>One provider of a test models-config: a model on a fake model server.</summary>
public sealed record TestProvider(string Model, FakeModelServer Server, string ApiType = "vllm", string ApiToken = "");

/// <summary>Writes models-config files and talks to a <see cref="HostProcess"/> in the API's JSON.</summary>
public static class ApiHost
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static string ModelsConfigJson(IEnumerable<TestProvider> providers) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["test_models"] = providers.GroupBy(p => p.Model).ToDictionary(
            model => model.Key,
            model => new
            {
                providers = model.Select(p => new Dictionary<string, string>
                {
                    ["id"] = $"{p.Model}-provider",
                    ["api_type"] = p.ApiType,
                    ["api_host"] = p.Server.Host,
                    ["api_token"] = p.ApiToken,
                    ["model_path"] = "",
                    ["keep_alive"] = "1s",
                }),
            }),
    });

    /// <summary>A models-config file in a fresh temporary folder (so a watcher sees only this file).</summary>
    public static string WriteModelsConfig(IEnumerable<TestProvider> providers)
    {
        var folder = Directory.CreateTempSubdirectory("keepalive-api-");
        var path = Path.Combine(folder.FullName, "models-config.json");
        File.WriteAllText(path, ModelsConfigJson(providers));
        return path;
    }

    public static Task<HttpResponseMessage> PostUsageAsync(this HostProcess host, string model, string serverHost, object? keepAlive) =>
        host.Http.PostAsJsonAsync("/api/usage", new Dictionary<string, object?> { ["model_name"] = model, ["host"] = serverHost, ["keep_alive"] = keepAlive });

    public static string OnePath(string model, string serverHost) => $"/api/providers/one?{PairQuery(model, serverHost)}";

    /// <summary>Where a pair is unregistered (<c>DELETE</c>).</summary>
    public static string UsagePath(string model, string serverHost) => $"/api/usage?{PairQuery(model, serverHost)}";

    private static string PairQuery(string model, string serverHost) =>
        $"model_name={Uri.EscapeDataString(model)}&host={Uri.EscapeDataString(serverHost)}";

    /// <summary>The pair's status once it satisfies <paramref name="condition"/> (polled).</summary>
    public static async Task<JsonElement> WaitForPairAsync(
        this HostProcess host, string model, string serverHost, Func<JsonElement, bool> condition, string what)
    {
        JsonElement status = default;
        await Eventually.HoldsAsync(async () =>
        {
            var response = await host.Http.GetAsync(OnePath(model, serverHost));
            if (!response.IsSuccessStatusCode) return false;
            status = await response.JsonAsync();
            return condition(status);
        }, Patience, $"{model} on {serverHost}: {what}");
        return status;
    }

    /// <summary>The host's entry in <c>GET /api/hosts</c> once it satisfies <paramref name="condition"/> (polled).</summary>
    public static async Task<JsonElement> WaitForHostAsync(this HostProcess host, string serverHost, Func<JsonElement, bool> condition, string what)
    {
        JsonElement found = default;
        await Eventually.HoldsAsync(async () =>
        {
            var response = await host.Http.GetAsync("/api/hosts");
            if (!response.IsSuccessStatusCode) return false;
            found = (await response.JsonAsync()).GetProperty("hosts").EnumerateArray().FirstOrDefault(h => h.Text("host") == serverHost);
            return found.ValueKind == JsonValueKind.Object && condition(found);
        }, Patience, $"{serverHost}: {what}");
        return found;
    }

    /// <summary>Scrapes <c>/metrics</c> until it has a series starting with <paramref name="series"/>.</summary>
    public static Task WaitForMetricAsync(this HostProcess host, string series) =>
        Eventually.HoldsAsync(async () => (await host.Http.GetStringAsync("/metrics")).Contains(series), Patience, $"{series} in /metrics");

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public static string? Text(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>A class fixture: fake model servers and one real host process whose models-config names them.</summary>
public abstract class ModelServersHostFixture : IAsyncLifetime
{
    private readonly List<FakeModelServer> _servers = [];

    public HostProcess Host { get; private set; } = null!;

    public abstract Task InitializeAsync();

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        foreach (var server in _servers) await server.DisposeAsync();
    }

    /// <summary>A fake model server, stopped with the fixture.</summary>
    protected async Task<FakeModelServer> Server()
    {
        var server = await FakeModelServer.StartAsync();
        _servers.Add(server);
        return server;
    }

    /// <summary>Starts the host on a models-config of <paramref name="providers"/> and waits until it is ready.</summary>
    protected async Task StartHostAsync(IEnumerable<TestProvider> providers)
    {
        Host = await HostProcess.StartAsync(["--models-config", ApiHost.WriteModelsConfig(providers)]);
        await Host.WaitUntilReadyAsync();
    }
}
