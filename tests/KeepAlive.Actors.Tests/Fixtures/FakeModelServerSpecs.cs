using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>The behaviours other specs rely on when they reuse <see cref="FakeModelServer"/>.</summary>
public sealed class FakeModelServerSpecs : IAsyncLifetime
{
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FakeModelServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _client.Dispose();
    }

    [Fact]
    public async Task Model_rule_wins_over_path_rule_and_unmatched_requests_get_200()
    {
        _server.Respond("/api/chat", FakeResponse.Status(500));
        _server.Respond("special", FakeResponse.Status(429));

        Assert.Equal(HttpStatusCode.TooManyRequests, await PostAsync("/api/chat", "special"));
        Assert.Equal(HttpStatusCode.InternalServerError, await PostAsync("/api/chat", "other"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync("/api/generate", "other"));
        Assert.Equal(HttpStatusCode.NotFound, await PostAsync("/v1/unknown", "other"));
        Assert.Equal(4, (await _server.WaitForRequestsAsync(4)).Count);
    }

    [Fact]
    public async Task Delayed_answer_comes_after_the_delay_and_the_request_is_recorded_on_arrival()
    {
        _server.Respond("slow", FakeResponse.Hang(TimeSpan.FromMilliseconds(300)));
        var stopwatch = Stopwatch.StartNew();

        var answer = PostAsync(FakeModelServer.ChatCompletionsPath, "slow");
        await _server.WaitForRequestsAsync(r => r.Model == "slow");

        Assert.Equal(HttpStatusCode.OK, await answer);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Stopping_while_a_request_hangs_is_prompt_and_the_client_gets_no_answer()
    {
        _server.Respond("/api/chat", FakeResponse.Hang());
        var answer = PostAsync("/api/chat", "any");
        await _server.WaitForRequestsAsync();
        var stopwatch = Stopwatch.StartNew();

        await _server.DisposeAsync();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"stopping took {stopwatch.Elapsed}");
        await Assert.ThrowsAsync<HttpRequestException>(() => answer);
    }

    [Fact]
    public async Task Waiting_for_requests_that_never_come_fails_naming_what_did_come()
    {
        await PostAsync("/api/chat", "arrived");

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            _server.WaitForRequestsAsync(r => r.Model == "missing", timeout: TimeSpan.FromMilliseconds(200)));

        Assert.Contains("arrived", error.Message);
    }

    private async Task<HttpStatusCode> PostAsync(string path, string model)
    {
        using var response = await _client.PostAsJsonAsync(_server.Host + path, new { model });
        return response.StatusCode;
    }
}
