using System.Net;
using System.Net.Http.Json;
using KeepAlive.Actors.Pinging;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>One real host process whose models-config names fake model servers, for <c>POST /api/providers/ping</c>.</summary>
public sealed class PingNowHostFixture : ModelServersHostFixture
{
    /// <summary>How long <see cref="Warm"/> takes to answer: long enough for asks to overlap, a lower bound of the latency.</summary>
    public static readonly TimeSpan WarmLatency = TimeSpan.FromMilliseconds(500);

    public FakeModelServer Warm { get; private set; } = null!;
    public FakeModelServer Shared { get; private set; } = null!;
    public FakeModelServer Failing { get; private set; } = null!;
    public FakeModelServer Held { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Warm = await Server();
        Shared = await Server();
        Failing = await Server();
        Held = await Server();
        Warm.Respond(PingRequestFactory.ChatCompletionsPath, FakeResponse.Hang(WarmLatency));
        Failing.Respond(PingRequestFactory.ChatCompletionsPath, FakeResponse.Status(503));

        await StartHostAsync(
        [
            new TestProvider("warm", Warm),
            new TestProvider("shared-warm", Warm),
            new TestProvider("occupant", Shared),
            new TestProvider("guest", Shared),
            new TestProvider("failing", Failing),
            new TestProvider("held", Held),
        ]);
    }
}

/// <summary>Warming a model on demand: the pair's own rules (models-config, the host's gate and lease), the outcome answered.</summary>
public sealed class PingNowApiSpecs(PingNowHostFixture fixture, ITestOutputHelper output) : IClassFixture<PingNowHostFixture>
{
    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task A_configured_pair_is_pinged_once_now_and_the_answer_is_its_outcome()
    {
        var response = await PingNowAsync("warm", fixture.Warm.Host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.JsonAsync();
        output.WriteLine(answer.ToString());
        Assert.Equal(("warm", fixture.Warm.Host, "succeeded"), (answer.Text("model"), answer.Text("host"), answer.Text("outcome")));
        Assert.Equal(200, answer.GetProperty("http_status").GetInt32());
        Assert.True(answer.GetProperty("latency_ms").GetInt64() >= (long)PingNowHostFixture.WarmLatency.TotalMilliseconds);
        Assert.Single(fixture.Warm.Requests, r => r.Model == "warm");
        var status = await Host.WaitForPairAsync("warm", fixture.Warm.Host, pair => pair.TryGetProperty("last_ping", out var ping) && ping.ValueKind != System.Text.Json.JsonValueKind.Null, "its last ping shown");
        // Pinged on request only: no usage, so no schedule of its own.
        Assert.Equal("off", status.Text("state"));
    }

    [Fact]
    public async Task Asks_that_overlap_share_one_ping()
    {
        var asks = Enumerable.Range(0, 3).Select(_ => PingNowAsync("shared-warm", fixture.Warm.Host)).ToArray();

        var answers = await Task.WhenAll(asks);

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        Assert.Single(fixture.Warm.Requests, r => r.Model == "shared-warm");
    }

    [Fact]
    public async Task A_host_busy_with_another_model_is_409_naming_the_occupant_and_nothing_is_sent()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await Host.PostUsageAsync("occupant", fixture.Shared.Host, "1h")).StatusCode);
        // Usage reaches the host's gate on its own way. Asking before it arrives would rightly ping the idle host.
        await Host.WaitForHostAsync(fixture.Shared.Host, host => host.Text("occupant") == "occupant", "occupied by the usage");

        var response = await PingNowAsync("guest", fixture.Shared.Host);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("occupant", problem.Text("occupant"));
        Assert.Contains("occupant", problem.Text("detail"));
        Assert.DoesNotContain(fixture.Shared.Requests, r => r.Model == "guest");
    }

    [Fact]
    public async Task A_failed_ping_is_answered_with_its_failure()
    {
        var response = await PingNowAsync("failing", fixture.Failing.Host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.JsonAsync();
        Assert.Equal("failed", answer.Text("outcome"));
        Assert.Equal(503, answer.GetProperty("http_status").GetInt32());
        Assert.Contains("503", answer.Text("failure"));
    }

    [Fact]
    public async Task A_pair_models_config_does_not_name_is_404_and_no_pair_is_started_for_it()
    {
        var response = await PingNowAsync("no-such-model", fixture.Warm.Host);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no provider in models-config", (await response.JsonAsync()).Text("detail"));
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Http.GetAsync(ApiHost.OnePath("no-such-model", fixture.Warm.Host))).StatusCode);
    }

    [Fact]
    public async Task The_ping_waits_for_a_real_request_on_the_host_to_finish()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.PostAsJsonAsync("/api/hosts/requests/start", new { host = fixture.Held.Host })).StatusCode);
        var ask = PingNowAsync("held", fixture.Held.Host);
        await Host.WaitForPairAsync("held", fixture.Held.Host, pair => pair.Text("state") == "awaiting-host", "the ping to wait for the host");
        Assert.Empty(fixture.Held.Requests);
        Assert.False(ask.IsCompleted);

        Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.PostAsJsonAsync("/api/hosts/requests/finish", new { host = fixture.Held.Host })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await ask).StatusCode);
        Assert.Single(fixture.Held.Requests, r => r.Model == "held");
    }

    [Theory]
    [InlineData("""{"host":"http://127.0.0.1:1"}""", "model_name")]
    [InlineData("""{"model_name":"warm"}""", "host")]
    [InlineData("""["warm"]""", "body")]
    public async Task A_body_without_the_pair_is_400_naming_what_is_missing(string body, string field)
    {
        var response = await Host.Http.PostAsync("/api/providers/ping", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    private Task<HttpResponseMessage> PingNowAsync(string model, string host) =>
        Host.Http.PostAsJsonAsync("/api/providers/ping", new Dictionary<string, string> { ["model_name"] = model, ["host"] = host });
}
