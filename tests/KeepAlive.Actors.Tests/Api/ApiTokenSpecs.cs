using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Xunit;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>A real host process started with <c>--api-token</c>.</summary>
public sealed class TokenHostFixture : IAsyncLifetime
{
    public const string Token = "api-token-specs-5f1c9e";

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await HostProcess.StartAsync(["--api-token", Token], apiToken: Token);
        await Host.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class ApiTokenSpecs(TokenHostFixture fixture) : IClassFixture<TokenHostFixture>
{
    private HostProcess Host => fixture.Host;

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer api-token-specs-5f1c9")]
    [InlineData("Basic api-token-specs-5f1c9e")]
    public async Task Without_the_token_every_api_endpoint_is_401(string? authorization)
    {
        using var client = new HttpClient { BaseAddress = Host.BaseAddress };
        if (authorization is not null) client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);

        HttpResponseMessage[] responses =
        [
            await client.PostAsJsonAsync("/api/usage", new { model_name = "m", host = "http://h:1", keep_alive = "1h" }),
            await client.PostAsJsonAsync("/api/usage/batch", Array.Empty<object>()),
            await client.DeleteAsync("/api/usage?model_name=m&host=h"),
            await client.PostAsJsonAsync("/api/hosts/requests/start", new { host = "http://h:1" }),
            await client.PostAsJsonAsync("/api/hosts/requests/finish", new { host = "http://h:1" }),
            await client.GetAsync("/api/providers"),
            await client.GetAsync("/api/providers/one?model_name=m&host=h"),
            await client.GetAsync("/metrics"),
        ];

        Assert.All(responses, response =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        });
    }

    [Fact]
    public async Task With_the_token_the_api_answers()
    {
        var usage = await Host.PostUsageAsync("token-model", "http://10.255.255.1:9", "1h");

        Assert.Equal(HttpStatusCode.Accepted, usage.StatusCode);
        await Host.WaitForPairAsync("token-model", "http://10.255.255.1:9", _ => true, "registered");
        Assert.Equal(HttpStatusCode.OK, (await Host.Http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Health_needs_no_token()
    {
        using var anonymous = new HttpClient { BaseAddress = Host.BaseAddress };

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task The_token_is_never_in_the_output_or_an_answer()
    {
        using var wrong = new HttpClient { BaseAddress = Host.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-" + TokenHostFixture.Token);
        var refused = await (await wrong.GetAsync("/api/providers")).Content.ReadAsStringAsync();
        var list = await Host.Http.GetStringAsync("/api/providers");

        Assert.DoesNotContain(TokenHostFixture.Token, refused);
        Assert.DoesNotContain(TokenHostFixture.Token, list);
        Assert.DoesNotContain(Host.Output, line => line.Contains(TokenHostFixture.Token));
    }
}
