using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using KeepAlive.Actors.Pinging;
using Xunit;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>The behaviours other specs, the demo and the bench rely on when they use <see cref="FakeModelServer"/>.</summary>
public sealed class FakeModelServerSpecs : ModelServerSpecs
{
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _client.Dispose();
    }

    [Fact]
    public async Task Model_rule_wins_over_path_rule_and_unmatched_requests_get_200()
    {
        Server.Respond("/api/chat", FakeResponse.Status(500));
        Server.Respond("special", FakeResponse.Status(429));

        Assert.Equal(HttpStatusCode.TooManyRequests, await PostAsync("/api/chat", "special"));
        Assert.Equal(HttpStatusCode.InternalServerError, await PostAsync("/api/chat", "other"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync("/api/generate", "other"));
        Assert.Equal(HttpStatusCode.NotFound, await PostAsync("/v1/unknown", "other"));
        Assert.Equal(4, (await Server.WaitForRequestsAsync(4)).Count);
    }

    [Fact]
    public async Task Delayed_answer_comes_after_the_delay_and_the_request_is_recorded_on_arrival()
    {
        Server.Respond("slow", FakeResponse.Hang(TimeSpan.FromMilliseconds(300)));
        var stopwatch = Stopwatch.StartNew();

        var answer = PostAsync(PingRequestFactory.ChatCompletionsPath, "slow");
        await Server.WaitForRequestsAsync(r => r.Model == "slow");

        Assert.Equal(HttpStatusCode.OK, await answer);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_delayed_answer_never_comes_sooner_than_its_delay()
    {
        // A timer alone ends up to a coarse clock tick early now and then; dozens of short delays catch it.
        var delay = TimeSpan.FromMilliseconds(20);
        Server.Respond("slow", FakeResponse.Hang(delay));

        for (var attempt = 0; attempt < 50; attempt++)
        {
            var stopwatch = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, await PostAsync(PingRequestFactory.ChatCompletionsPath, "slow"));
            Assert.True(stopwatch.Elapsed >= delay, $"answer {attempt} came after {stopwatch.Elapsed.TotalMilliseconds:0.0} ms");
        }
    }

    [Fact]
    public async Task Stopping_while_a_request_hangs_is_prompt_and_the_client_gets_no_answer()
    {
        Server.Respond("/api/chat", FakeResponse.Hang());
        var answer = PostAsync("/api/chat", "any");
        await Server.WaitForRequestsAsync();
        var stopwatch = Stopwatch.StartNew();

        await Server.DisposeAsync();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"stopping took {stopwatch.Elapsed}");
        await Assert.ThrowsAsync<HttpRequestException>(() => answer);
    }

    [Fact]
    public async Task Waiting_for_requests_that_never_come_fails_naming_what_did_come()
    {
        await PostAsync("/api/chat", "arrived");

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            Server.WaitForRequestsAsync(r => r.Model == "missing", timeout: TimeSpan.FromMilliseconds(200)));

        Assert.Contains("arrived", error.Message);
    }

    [Fact]
    public async Task A_named_host_is_answered_like_the_server_and_its_arrivals_are_kept_apart()
    {
        var named = Server.HostNamed("h7");

        Assert.Equal(HttpStatusCode.OK, await PostAsync(named + PingRequestFactory.ChatCompletionsPath, "m"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(named + PingRequestFactory.OllamaChatPath, "m"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(PingRequestFactory.ChatCompletionsPath, "m"));
        Assert.Equal(HttpStatusCode.NotFound, await PostAsync(named + "/v1/unknown", "m"));

        var (atNamed, atServer) = (Server.ArrivalsAt(named), Server.ArrivalsAt(Server.Host + "/"));
        Assert.Equal(2, atNamed.Length);
        Assert.True(atNamed[0] < atNamed[1] && atNamed[1] < Assert.Single(atServer));
        Assert.Empty(Server.ArrivalsAt(Server.HostNamed("h8")));
        Assert.Throws<ArgumentException>(() => Server.ArrivalsAt("http://10.0.0.1:80"));
    }

    [Fact]
    public async Task A_rule_for_a_named_hosts_path_answers_every_request_to_that_host_and_no_other()
    {
        Server.Respond("/down", FakeResponse.Status(503));
        Server.Respond("/down" + PingRequestFactory.OllamaChatPath, FakeResponse.Status(502));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostAsync(Server.HostNamed("down") + PingRequestFactory.ChatCompletionsPath, "m"));
        Assert.Equal(HttpStatusCode.BadGateway, await PostAsync(Server.HostNamed("down") + PingRequestFactory.OllamaChatPath, "m"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(Server.HostNamed("downstairs") + PingRequestFactory.ChatCompletionsPath, "m"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(PingRequestFactory.ChatCompletionsPath, "m"));
    }

    [Fact]
    public async Task Recording_arrival_times_only_keeps_no_request_and_applies_no_model_rule()
    {
        await using var light = await FakeModelServer.StartAsync(RequestRecording.ArrivalTimesOnly);
        light.Respond("m", FakeResponse.Status(500));
        var before = Stopwatch.GetTimestamp();

        using var response = await _client.PostAsJsonAsync(light.HostNamed("h1") + PingRequestFactory.ChatCompletionsPath, new { model = "m" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(light.Requests);
        Assert.InRange(Assert.Single(light.ArrivalsAt(light.HostNamed("h1"))), before, Stopwatch.GetTimestamp());
    }

    private async Task<HttpStatusCode> PostAsync(string pathOrUrl, string model)
    {
        var url = pathOrUrl.StartsWith('/') ? Server.Host + pathOrUrl : pathOrUrl;
        using var response = await _client.PostAsJsonAsync(url, new { model });
        return response.StatusCode;
    }
}
