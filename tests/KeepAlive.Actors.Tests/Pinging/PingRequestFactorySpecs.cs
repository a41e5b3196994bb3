using System.Text.Json;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pinging;
using Xunit;
using static KeepAlive.Testing.TestProviders;

namespace KeepAlive.Actors.Tests.Pinging;

public sealed class PingRequestFactorySpecs
{
    private const string Host = "http://10.0.0.5:7000";
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);
    private static readonly KeepAliveSettings Defaults = new();
    private static readonly KeepAliveSettings SayHi = new() { PingPrompt = "hi" };

    [Theory]
    [InlineData("vllm")]
    [InlineData("openai")]
    [InlineData("ollama")]
    [InlineData(" VLLM ")]
    [InlineData("OpenAI")]
    [InlineData("Ollama\t")]
    public void Known_api_types_are_supported_whatever_their_case_and_spacing(string apiType)
    {
        Assert.True(PingRequestFactory.IsSupported(apiType));
        Assert.NotNull(PingRequestFactory.Create(Provider(apiType, Host), Interval, Defaults));
    }

    [Theory]
    [InlineData("tgi")]
    [InlineData("vllm2")]
    [InlineData("")]
    [InlineData("  ")]
    public void Other_api_types_are_not_pinged(string apiType)
    {
        Assert.False(PingRequestFactory.IsSupported(apiType));
        Assert.Null(PingRequestFactory.Create(Provider(apiType, Host), Interval, Defaults));
    }

    [Theory]
    [InlineData("vllm", "http://10.0.0.5:7000/", "http://10.0.0.5:7000/v1/chat/completions")]
    [InlineData("openai", "https://api.example.com", "https://api.example.com/v1/chat/completions")]
    [InlineData("vllm", "http://10.0.0.5:7000/prefix/", "http://10.0.0.5:7000/prefix/v1/chat/completions")]
    [InlineData("ollama", "http://10.0.0.6:11434/", "http://10.0.0.6:11434/api/chat")]
    [InlineData("ollama", " http://10.0.0.6:11434 ", "http://10.0.0.6:11434/api/chat")]
    public void Endpoint_is_the_host_without_its_trailing_slash_plus_the_api_path(string apiType, string host, string expected)
    {
        var request = PingRequestFactory.Create(Provider(apiType, host), Interval, Defaults)!;

        Assert.Equal(new Uri(expected), request.Endpoint);
    }

    [Theory]
    [InlineData("vllm")]
    [InlineData("ollama")]
    public void Default_settings_ask_for_the_originals_prompt_max_tokens_and_temperature(string apiType)
    {
        var request = PingRequestFactory.Create(Provider(apiType, Host), Interval, Defaults)!;

        var body = Parse(request);
        Assert.Equal(PingBodyAssert.OriginalPrompt, body.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(PingBodyAssert.OriginalMaxTokens, body.GetProperty("max_tokens").GetInt32());
        Assert.Contains("\"temperature\":0.0", request.JsonBody);
    }

    [Fact]
    public void Chat_body_takes_prompt_max_tokens_and_temperature_from_the_settings()
    {
        var settings = new KeepAliveSettings { PingPrompt = "Say OK.", PingMaxTokens = 1, PingTemperature = 1.25m };

        var request = PingRequestFactory.Create(Provider("openai", Host), Interval, settings)!;

        PingBodyAssert.Chat(Parse(request), Model, "Say OK.", maxTokens: 1, temperature: 1.25m);
    }

    [Fact]
    public void Openai_body_is_the_original_chat_request_with_the_model_path_as_model()
    {
        var request = PingRequestFactory.Create(Provider("openai", Host, modelPath: "/models/gemma"), Interval, SayHi)!;

        PingBodyAssert.Chat(Parse(request), "/models/gemma", "hi");
        // The original sent Python's 0.0; a server comparing text, not numbers, sees the same.
        Assert.Contains("\"temperature\":0.0", request.JsonBody);
    }

    [Fact]
    public void Ollama_chat_body_adds_keep_alive_of_the_interval_plus_margin()
    {
        var request = PingRequestFactory.Create(Provider("ollama", Host), TimeSpan.FromMinutes(10), SayHi)!;

        PingBodyAssert.Chat(Parse(request), Model, "hi", ollamaKeepAlive: "660s");
    }

    [Fact]
    public void Ollama_load_mode_posts_generate_with_only_model_and_keep_alive()
    {
        var provider = Provider("ollama", Host + "/", mode: KeepAliveMode.Load);

        var request = PingRequestFactory.Create(provider, TimeSpan.FromMinutes(10), SayHi)!;

        Assert.Equal(new Uri(Host + "/api/generate"), request.Endpoint);
        PingBodyAssert.Load(Parse(request), Model, "660s");
    }

    [Fact]
    public void Load_mode_on_a_non_ollama_type_is_an_ordinary_chat_ping()
    {
        var request = PingRequestFactory.Create(Provider("vllm", Host, mode: KeepAliveMode.Load), Interval, SayHi)!;

        Assert.Equal(new Uri(Host + "/v1/chat/completions"), request.Endpoint);
        PingBodyAssert.Chat(Parse(request), Model, "hi");
    }

    [Theory]
    [InlineData(30, "90s")] // margin floor of 60 s
    [InlineData(600, "660s")] // a tenth is 60 s
    [InlineData(3600, "3960s")] // a tenth is 360 s
    [InlineData(1801, "1982s")] // a tenth is 180.1 s: rounded up, never shorter
    public void Ollama_keep_alive_margin_is_the_larger_of_a_minute_and_a_tenth_of_the_interval(int intervalSeconds, string expected)
    {
        Assert.Equal(expected, PingRequestFactory.OllamaKeepAlive(TimeSpan.FromSeconds(intervalSeconds)));
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("sk-123", "sk-123")]
    public void Bearer_token_is_the_api_token_when_it_is_not_empty(string apiToken, string? expected)
    {
        var request = PingRequestFactory.Create(Provider("vllm", Host, token: apiToken), Interval, SayHi)!;

        Assert.Equal(expected, request.BearerToken);
    }

    [Fact]
    public void Request_text_never_shows_the_token()
    {
        var request = PingRequestFactory.Create(Provider("vllm", Host, token: "sk-very-secret"), Interval, SayHi)!;

        Assert.DoesNotContain("sk-very-secret", request.ToString());
        Assert.Contains("redacted", request.ToString());
    }

    [Theory]
    [InlineData("10.0.0.5:7000")]
    [InlineData("ftp://10.0.0.5")]
    [InlineData("")]
    public void Host_that_is_not_an_http_uri_is_rejected_naming_the_provider(string host)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            PingRequestFactory.Create(Provider("vllm", host), Interval, SayHi));

        Assert.Contains("provider-1", error.Message);
    }

    private static JsonElement Parse(PingRequest request) => JsonDocument.Parse(request.JsonBody).RootElement;
}
