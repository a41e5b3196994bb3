using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KeepAlive.Actors.Tests.Api;
using Xunit;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>A real host whose models-config names two fake model servers; nothing is pinged (keep-alives of an hour).</summary>
public sealed class StatusApiHostFixture : IAsyncLifetime
{
    public FakeModelServer Alone { get; private set; } = null!;
    public FakeModelServer Shared { get; private set; } = null!;
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Alone = await FakeModelServer.StartAsync();
        Shared = await FakeModelServer.StartAsync();
        var config = ApiHost.WriteModelsConfig([new TestProvider("alpha", Alone), new TestProvider("beta", Shared), new TestProvider("gamma", Shared)]);
        Host = await HostProcess.StartAsync(["--models-config", config]);
        await Host.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Alone.DisposeAsync();
        await Shared.DisposeAsync();
    }
}

public sealed class StatusApiSpecs(StatusApiHostFixture fixture) : IClassFixture<StatusApiHostFixture>
{
    // Pairs on a host nothing is configured for are never pinged.
    private const string UnconfiguredHost = "http://127.0.0.1:9";

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task Hosts_are_listed_with_their_occupant_requests_in_flight_and_node()
    {
        var self = (await GetJsonAsync("/api/cluster")).Text("self");
        await Host.PostUsageAsync("alpha", fixture.Alone.Host, "1h");
        await Host.PostUsageAsync("beta", fixture.Shared.Host, "1h");
        await Host.WaitForHostAsync(fixture.Shared.Host, host => host.Text("occupant") == "beta", "beta occupies the shared host");
        await Host.PostUsageAsync("gamma", fixture.Shared.Host, "1h");
        await Host.WaitForHostAsync(fixture.Shared.Host, host => host.Text("occupant") == "gamma", "gamma occupies the shared host after its usage");

        await Host.Http.PostAsJsonAsync("/api/hosts/requests/start", new { host = fixture.Alone.Host });
        var alone = await Host.WaitForHostAsync(fixture.Alone.Host, host => host.GetProperty("requests_in_flight").GetInt32() == 1, "a request in flight");
        Assert.Equal("alpha", alone.Text("occupant"));
        Assert.Equal(self, alone.Text("node"));
        Assert.Equal(JsonValueKind.Null, alone.GetProperty("lease_holder").ValueKind);
        Assert.Equal(0, alone.GetProperty("waiting").GetInt32());

        await Host.Http.PostAsJsonAsync("/api/hosts/requests/finish", new { host = fixture.Alone.Host });
        await Host.WaitForHostAsync(fixture.Alone.Host, host => host.GetProperty("requests_in_flight").GetInt32() == 0, "the request finished");
    }

    [Fact]
    public async Task The_cluster_view_shows_this_node_up_reachable_leading_and_its_pair_count()
    {
        await Host.PostUsageAsync("counted", UnconfiguredHost, "1h");
        await Host.WaitForPairAsync("counted", UnconfiguredHost, _ => true, "listed");
        var pairs = (await GetJsonAsync("/api/providers")).GetProperty("total").GetInt32();

        var cluster = await GetJsonAsync("/api/cluster");

        var self = cluster.Text("self");
        Assert.Equal(self, cluster.Text("leader"));
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal(self, member.Text("address"));
        Assert.Equal("up", member.Text("status"));
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Empty(member.GetProperty("roles").EnumerateArray());
        Assert.True(member.GetProperty("pairs").GetInt32() >= pairs);
        Assert.Empty(cluster.GetProperty("unreachable_nodes").EnumerateArray());
    }

    [Fact]
    public async Task Providers_are_filtered_sorted_and_paged_by_the_query_string()
    {
        var models = Enumerable.Range(0, 30).Select(i => $"paged-{i:00}").ToArray();
        var batch = models.Select(m => new { model_name = m, host = UnconfiguredHost, keep_alive = "1h" });
        Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.PostAsJsonAsync("/api/usage/batch", batch)).StatusCode);
        await Eventually.HoldsAsync(async () => (await GetJsonAsync("/api/providers?q=paged-")).GetProperty("total").GetInt32() == 30,
            ApiHost.Patience, "30 paged pairs");

        var second = await GetJsonAsync("/api/providers?q=PAGED-&offset=10&limit=10");
        Assert.Equal(10, second.GetProperty("count").GetInt32());
        Assert.Equal(30, second.GetProperty("total").GetInt32());
        Assert.Equal(10, second.GetProperty("offset").GetInt32());
        Assert.Equal(10, second.GetProperty("limit").GetInt32());
        Assert.Equal(models[10..20], ModelsOf(second));

        Assert.Equal(["paged-29", "paged-28", "paged-27"], ModelsOf(await GetJsonAsync("/api/providers?q=paged-&sort=model&order=desc&limit=3")));

        var byNextPing = await GetJsonAsync("/api/providers?q=paged-&sort=next_wake_up&limit=30");
        var wakeUps = byNextPing.GetProperty("providers").EnumerateArray()
            .Select(p => DateTimeOffset.Parse(p.Text("next_wake_up")!, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(30, wakeUps.Length);
        Assert.Equal(wakeUps.Order(), wakeUps);
    }

    [Fact]
    public async Task Without_paging_parameters_the_list_holds_every_pair_and_the_servers_clock()
    {
        await Host.PostUsageAsync("unpaged", UnconfiguredHost, "1h");
        await Host.WaitForPairAsync("unpaged", UnconfiguredHost, _ => true, "listed");
        var before = DateTimeOffset.UtcNow;

        var list = await GetJsonAsync("/api/providers");

        Assert.Equal(list.GetProperty("total").GetInt32(), list.GetProperty("count").GetInt32());
        Assert.Equal(list.GetProperty("count").GetInt32(), list.GetProperty("providers").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("limit").ValueKind);
        var now = DateTimeOffset.Parse(list.Text("now")!, CultureInfo.InvariantCulture);
        Assert.InRange(now, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Bad_paging_parameters_are_a_400_naming_each_one()
    {
        var response = await Host.Http.GetAsync("/api/providers?limit=5000&offset=x&sort=latency&order=sideways");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Equal(["limit", "offset", "order", "sort"], errors.EnumerateObject().Select(e => e.Name).Order());
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await Host.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private static string[] ModelsOf(JsonElement list) =>
        list.GetProperty("providers").EnumerateArray().Select(p => p.Text("model")!).ToArray();
}
