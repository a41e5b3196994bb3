using System.Net.Sockets;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using Xunit.Abstractions;
using static KeepAlive.Actors.Pinging.PingSenderProtocol;
using static KeepAlive.Testing.TestProviders;

namespace KeepAlive.Actors.Tests.Pinging;

public sealed class PingSenderSpecs(ITestOutputHelper output) : ModelServerTestKit(output)
{
    private const string Prompt = PingBodyAssert.OriginalPrompt;
    private const string Token = "sk-test-secret-token";
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("vllm")]
    [InlineData("openai")]
    public async Task Openai_compatible_ping_posts_the_chat_request_as_json_without_auth(string apiType)
    {
        var provider = Provider(apiType, Server.Host + "/");

        await PingAsync(provider);

        var request = Assert.Single(await Server.WaitForRequestsAsync());
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/chat/completions", request.Path);
        PingBodyAssert.Chat(request.Body!.Value, Model, Prompt);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Null(request.Header("Authorization"));
    }

    [Fact]
    public async Task Ping_sends_the_model_path_as_model_and_the_token_as_bearer()
    {
        var provider = Provider("vllm", Server.Host, token: Token, modelPath: "/models/gemma-3-12b-it");

        await PingAsync(provider);

        var request = Assert.Single(await Server.WaitForRequestsAsync());
        PingBodyAssert.Chat(request.Body!.Value, "/models/gemma-3-12b-it", Prompt);
        Assert.Equal($"Bearer {Token}", request.Header("Authorization"));
    }

    [Fact]
    public async Task Ollama_chat_ping_posts_api_chat_with_keep_alive_of_interval_plus_margin()
    {
        var provider = Provider("ollama", Server.Host, token: Token);

        await PingAsync(provider);

        var request = Assert.Single(await Server.WaitForRequestsAsync());
        Assert.Equal("/api/chat", request.Path);
        PingBodyAssert.Chat(request.Body!.Value, Model, Prompt, ollamaKeepAlive: "660s");
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal($"Bearer {Token}", request.Header("Authorization"));
    }

    [Theory]
    [InlineData("vllm", "/v1/chat/completions", null)]
    [InlineData("ollama", "/api/chat", "660s")]
    public async Task Ping_posts_the_configured_prompt_max_tokens_and_temperature(string apiType, string path, string? ollamaKeepAlive)
    {
        var settings = new KeepAliveSettings { PingPrompt = "Reply with one word.", PingMaxTokens = 3, PingTemperature = 0.7m };

        await PingAsync(Provider(apiType, Server.Host), settings: settings);

        var request = Assert.Single(await Server.WaitForRequestsAsync());
        Assert.Equal(path, request.Path);
        PingBodyAssert.Chat(request.Body!.Value, Model, "Reply with one word.", ollamaKeepAlive, maxTokens: 3, temperature: 0.7m);
    }

    [Fact]
    public async Task Ollama_load_ping_posts_generate_with_only_model_and_keep_alive()
    {
        var provider = Provider("ollama", Server.Host, mode: KeepAliveMode.Load);

        await PingAsync(provider);

        var request = Assert.Single(await Server.WaitForRequestsAsync());
        Assert.Equal("/api/generate", request.Path);
        PingBodyAssert.Load(request.Body!.Value, Model, "660s");
        Assert.Null(request.Header("Authorization"));
    }

    [Fact]
    public async Task Answer_200_is_a_success_with_status_and_latency()
    {
        var provider = Provider("vllm", Server.Host);

        var outcome = await PingAsync(provider);

        var success = Assert.IsType<PingSucceeded>(outcome);
        Assert.Equal(PairOf(provider), success.Pair);
        Assert.Equal(200, success.StatusCode);
        Assert.True(success.Latency > TimeSpan.Zero);
    }

    [Fact]
    public async Task Answer_500_is_a_failure_with_the_http_status()
    {
        var provider = Provider("vllm", Server.Host);
        Server.Respond(Model, FakeResponse.Status(500));

        var outcome = await PingAsync(provider);

        var failure = Assert.IsType<PingFailed>(outcome);
        Assert.Equal(PairOf(provider), failure.Pair);
        Assert.Equal(PingFailureReason.HttpStatus, failure.Reason);
        Assert.Equal(500, failure.StatusCode);
        Assert.Contains("500", failure.Detail);
    }

    [Fact]
    public async Task Backend_hanging_past_the_timeout_is_a_timeout_failure()
    {
        var timeout = TimeSpan.FromMilliseconds(500);
        var provider = Provider("ollama", Server.Host);
        Server.Respond("/api/chat", FakeResponse.Hang());

        var outcome = await PingAsync(provider, timeout);

        var failure = Assert.IsType<PingFailed>(outcome);
        Assert.Equal(PingFailureReason.Timeout, failure.Reason);
        Assert.Null(failure.StatusCode);
        // The timeout's timer and the latency's stopwatch are different clocks: allow the timer's granularity.
        Assert.InRange(failure.Latency, timeout - TimeSpan.FromMilliseconds(50), Generous);
    }

    [Fact]
    public async Task Closed_port_is_a_connection_refused_failure()
    {
        var provider = Provider("vllm", $"http://127.0.0.1:{TestHttp.FreeLoopbackPort()}");

        var outcome = await PingAsync(provider);

        var failure = Assert.IsType<PingFailed>(outcome);
        Assert.Equal(PingFailureReason.ConnectionRefused, failure.Reason);
        Assert.Null(failure.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(failure.Detail));
    }

    [Fact]
    public async Task Token_never_appears_in_a_failure_detail()
    {
        var failing = Provider("vllm", Server.Host, model: "failing", token: Token);
        var hanging = Provider("vllm", Server.Host, model: "hanging", token: Token);
        var refused = Provider("vllm", $"http://127.0.0.1:{TestHttp.FreeLoopbackPort()}", token: Token);
        // A token a header cannot carry makes the client throw about the header value itself.
        var unsendable = Provider("vllm", Server.Host, token: Token + "\u00e9\r\n");
        Server.Respond("failing", FakeResponse.Status(503));
        Server.Respond("hanging", FakeResponse.Hang());

        foreach (var provider in new[] { failing, hanging, refused, unsendable })
        {
            var failure = Assert.IsType<PingFailed>(await PingAsync(provider, TimeSpan.FromMilliseconds(500)));
            Output?.WriteLine($"{failure.Reason}: {failure.Detail}");
            Assert.DoesNotContain(Token, failure.Detail);
            Assert.DoesNotContain(Token, failure.ToString());
        }
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError, SocketError.ConnectionRefused, PingFailureReason.ConnectionRefused)]
    [InlineData(HttpRequestError.Unknown, SocketError.ConnectionRefused, PingFailureReason.ConnectionRefused)]
    [InlineData(HttpRequestError.ConnectionError, SocketError.Success, PingFailureReason.ConnectionRefused)]
    [InlineData(HttpRequestError.NameResolutionError, SocketError.HostNotFound, PingFailureReason.DnsFailure)]
    [InlineData(HttpRequestError.Unknown, SocketError.HostNotFound, PingFailureReason.DnsFailure)]
    [InlineData(HttpRequestError.NameResolutionError, SocketError.Success, PingFailureReason.DnsFailure)]
    [InlineData(HttpRequestError.ResponseEnded, SocketError.Success, PingFailureReason.Other)]
    public void Transport_errors_are_classified_by_socket_error_then_request_error(
        HttpRequestError requestError, SocketError socketError, PingFailureReason expected)
    {
        var cause = socketError == SocketError.Success ? null : new SocketException((int)socketError);

        var reason = PingSenderActor.Classify(new HttpRequestException(requestError, "failed", cause));

        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Exceptions_other_than_http_request_failures_are_other()
    {
        Assert.Equal(PingFailureReason.Other, PingSenderActor.Classify(new InvalidOperationException("boom")));
    }

    [Fact]
    public async Task A_node_without_its_standing_sends_nothing_and_says_why()
    {
        var provider = Provider("vllm", Server.Host);

        var outcome = await PingAsync(provider, standing: new SettableStanding { MayAct = false });

        var failed = Assert.IsType<PingFailed>(outcome);
        Assert.Equal(PingFailureReason.NotSent, failed.Reason);
        Assert.Contains("downed", failed.Detail);
        Assert.Empty(Server.Requests);
    }

    private async Task<IPingOutcome> PingAsync(
        ProviderConfig provider, TimeSpan? timeout = null, KeepAliveSettings? settings = null, INodeStanding? standing = null)
    {
        var sender = Sys.ActorOf(PingSenderActor.Props(TestHttp.ClientFactory, timeout ?? Generous, standing ?? new SettableStanding()));
        var request = PingRequestFactory.Create(provider, Interval, settings ?? new KeepAliveSettings())!;

        sender.Tell(new SendPing(PairOf(provider), request), TestActor);

        return await ExpectMsgAsync<IPingOutcome>(Generous);
    }
}
