using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;
using Xunit;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>One real host process without an API token, its models-config naming fake model servers.</summary>
public sealed class ApiHostFixture : ModelServersHostFixture
{
    public const string Secret = "sk-api-specs-never-shown-1234";

    /// <summary>How long <see cref="Pinged"/> takes to answer, so a ping's reported latency has a known lower bound.</summary>
    public static readonly TimeSpan PingedLatency = TimeSpan.FromMilliseconds(400);

    public FakeModelServer Pinged { get; private set; } = null!;
    public FakeModelServer Busy { get; private set; } = null!;
    public FakeModelServer Failing { get; private set; } = null!;
    public FakeModelServer InFlight { get; private set; } = null!;
    public FakeModelServer Metered { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Pinged = await Server();
        Busy = await Server();
        Failing = await Server();
        InFlight = await Server();
        Metered = await Server();
        Pinged.Respond(PingRequestFactory.ChatCompletionsPath, FakeResponse.Hang(PingedLatency));
        Failing.Respond(PingRequestFactory.ChatCompletionsPath, FakeResponse.Status(500));

        await StartHostAsync(
        [
            new TestProvider("pinged", Pinged),
            new TestProvider("busy-a", Busy),
            new TestProvider("busy-b", Busy),
            new TestProvider("failing", Failing, ApiToken: Secret),
            new TestProvider("in-flight", InFlight),
            new TestProvider("metered", Metered),
        ]);
    }
}

public sealed class HttpApiSpecs(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    // Pairs whose host no test server answers: their keep-alive of an hour never comes due in a test.
    private const string NowhereHost = "http://10.255.255.1:9";

    /// <summary>The reason for a name of <see cref="PairKey.MaxNameBytes"/> + 1 bytes.</summary>
    private const string TooLong = "is 1,025 bytes long in UTF-8; a model name or host may be at most 1,024";

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task Usage_is_accepted_and_the_pair_is_listed_with_its_schedule()
    {
        var response = await Host.PostUsageAsync("listed", NowhereHost, "1h");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        JsonElement pair = default;
        await Eventually.HoldsAsync(async () =>
        {
            var list = await (await Host.Http.GetAsync("/api/providers")).JsonAsync();
            pair = list.GetProperty("providers").EnumerateArray().FirstOrDefault(p => p.Text("model") == "listed");
            return pair.ValueKind == JsonValueKind.Object;
        }, ApiHost.Patience, "the pair in the list");

        Assert.Equal(NowhereHost, pair.Text("host"));
        Assert.Equal(3600, pair.GetProperty("keep_alive_seconds").GetInt64());
        Assert.Equal("scheduled", pair.Text("state"));
        Assert.True(pair.GetProperty("next_wake_up").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.StartsWith("akka.tcp://keepalive@", pair.Text("node"));
    }

    [Fact]
    public async Task Batch_usage_registers_every_pair()
    {
        var response = await Host.Http.PostAsJsonAsync("/api/usage/batch", new[]
        {
            new { model_name = "batch-1", host = NowhereHost, keep_alive = "1h" },
            new { model_name = "batch-2", host = NowhereHost, keep_alive = "2h" },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await response.JsonAsync()).GetProperty("accepted").GetInt32());

        await Host.WaitForPairAsync("batch-1", NowhereHost, s => s.GetProperty("keep_alive_seconds").GetInt64() == 3600, "registered");
        await Host.WaitForPairAsync("batch-2", NowhereHost, s => s.GetProperty("keep_alive_seconds").GetInt64() == 7200, "registered");
    }

    [Fact]
    public async Task A_pinged_pair_shows_its_last_ping()
    {
        await Host.PostUsageAsync("pinged", fixture.Pinged.Host, "1s");

        var status = await Host.WaitForPairAsync("pinged", fixture.Pinged.Host, s => s.GetProperty("last_ping").ValueKind == JsonValueKind.Object, "pinged");

        var ping = status.GetProperty("last_ping");
        Assert.Equal("succeeded", ping.Text("outcome"));
        Assert.Equal(200, ping.GetProperty("http_status").GetInt32());
        Assert.InRange(ping.GetProperty("latency_ms").GetInt64(), (long)ApiHostFixture.PingedLatency.TotalMilliseconds, 10_000);
        Assert.Equal(0, status.GetProperty("consecutive_failures").GetInt32());
        Assert.Contains(fixture.Pinged.Requests, r => r.Model == "pinged");
    }

    [Fact]
    public async Task A_ping_skipped_on_a_busy_host_says_why_and_is_counted()
    {
        await Host.PostUsageAsync("busy-a", fixture.Busy.Host, "1s");
        await Host.WaitForPairAsync("busy-a", fixture.Busy.Host, _ => true, "registered");
        // busy-b is used after busy-a, so it occupies the host and busy-a's pings would evict it.
        await Host.PostUsageAsync("busy-b", fixture.Busy.Host, "1h");

        var status = await Host.WaitForPairAsync("busy-a", fixture.Busy.Host,
            s => s.Text("last_skip")?.Contains("host busy with busy-b") == true, "skipped as busy");

        Assert.Equal("scheduled", status.Text("state"));
        await Host.WaitForMetricAsync("keepalive_pings_skipped_total{otel_scope_name=\"KeepAlive.Actors\",reason=\"host_busy\"}");
    }

    [Fact]
    public async Task A_failed_ping_is_shown_without_the_api_token()
    {
        await Host.PostUsageAsync("failing", fixture.Failing.Host, "1s");

        var status = await Host.WaitForPairAsync("failing", fixture.Failing.Host,
            s => s.GetProperty("consecutive_failures").GetInt32() >= 1, "a failed ping");

        var ping = status.GetProperty("last_ping");
        Assert.Equal("failed", ping.Text("outcome"));
        Assert.Equal(500, ping.GetProperty("http_status").GetInt32());
        Assert.Contains("Bearer " + ApiHostFixture.Secret, fixture.Failing.Requests[0].Header("Authorization"));
        Assert.DoesNotContain(ApiHostFixture.Secret, await Host.Http.GetStringAsync(ApiHost.OnePath("failing", fixture.Failing.Host)));
        Assert.DoesNotContain(ApiHostFixture.Secret, await Host.Http.GetStringAsync("/api/providers"));
        Assert.DoesNotContain(Host.Output, line => line.Contains(ApiHostFixture.Secret));
        await Host.WaitForMetricAsync($"keepalive_pings_failed_total{{otel_scope_name=\"KeepAlive.Actors\",api_type=\"vllm\",host=\"{fixture.Failing.Host}\",reason=\"http_status\"}}");
    }

    [Fact]
    public async Task A_request_in_flight_holds_the_ping_until_it_finishes()
    {
        var started = await Host.Http.PostAsJsonAsync("/api/hosts/requests/start", new { host = fixture.InFlight.Host });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        await Host.PostUsageAsync("in-flight", fixture.InFlight.Host, "1s");

        await Host.WaitForPairAsync("in-flight", fixture.InFlight.Host, s => s.Text("state") == "awaiting-host", "waiting for the host");
        Assert.Empty(fixture.InFlight.Requests);

        var finished = await Host.Http.PostAsJsonAsync("/api/hosts/requests/finish", new { host = fixture.InFlight.Host });
        Assert.Equal(HttpStatusCode.Accepted, finished.StatusCode);
        await fixture.InFlight.WaitForRequestsAsync(r => r.Model == "in-flight", timeout: ApiHost.Patience);
        await Host.WaitForMetricAsync("keepalive_pings_deferred_total{otel_scope_name=\"KeepAlive.Actors\",reason=\"request_in_flight\"}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0s")]
    public async Task A_falsy_keep_alive_turns_the_pair_off(object? keepAlive)
    {
        var model = $"off-{keepAlive ?? "null"}";
        await Host.PostUsageAsync(model, NowhereHost, "1h");
        await Host.WaitForPairAsync(model, NowhereHost, s => s.Text("state") == "scheduled", "scheduled");

        var response = await Host.PostUsageAsync(model, NowhereHost, keepAlive);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await Host.WaitForPairAsync(model, NowhereHost, s => s.Text("state") == "off", "off");
        Assert.Equal(0, status.GetProperty("keep_alive_seconds").GetInt64());
    }

    [Fact]
    public async Task A_pair_never_used_is_404_and_asking_leaves_no_pair_behind()
    {
        var path = ApiHost.OnePath("never-used", NowhereHost);

        var first = await Host.Http.GetAsync(path);
        var list = await Host.Http.GetStringAsync("/api/providers");
        var second = await Host.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal("application/problem+json", first.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("never-used", list);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
    }

    [Fact]
    public async Task Delete_unregisters_the_pair()
    {
        await Host.PostUsageAsync("deleted", NowhereHost, "1h");
        await Host.WaitForPairAsync("deleted", NowhereHost, _ => true, "registered");

        var response = await Host.Http.DeleteAsync(ApiHost.UsagePath("deleted", NowhereHost));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.HoldsAsync(async () => (await Host.Http.GetAsync(ApiHost.OnePath("deleted", NowhereHost))).StatusCode == HttpStatusCode.NotFound,
            ApiHost.Patience, "the pair to be gone");
    }

    [Fact]
    public async Task Delete_of_an_unknown_pair_is_404()
    {
        var response = await Host.Http.DeleteAsync(ApiHost.UsagePath("unknown", NowhereHost));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/usage", """{"host":"http://h:1","keep_alive":"1m"}""", "model_name", "is required")]
    [InlineData("/api/usage", """{"model_name":"m","keep_alive":"1m"}""", "host", "is required")]
    [InlineData("/api/usage", """{"model_name":"m","host":"http://h|1","keep_alive":"1m"}""", "host", "must not contain '|'")]
    [InlineData("/api/usage", """{"model_name":"m","host":"http://h:1"}""", "keep_alive", "is required")]
    [InlineData("/api/usage", """{"model_name":"m","host":"http://h:1","keep_alive":"5x"}""", "keep_alive", "unknown unit 'x'")]
    [InlineData("/api/usage", """{"model_name":"m","host":"http://h:1","keep_alive":"-5m"}""", "keep_alive", "negative durations are not allowed")]
    [InlineData("/api/usage", """{"model_name":"m","host":"http://h:1","keep_alive":5}""", "keep_alive", "must be a duration string")]
    [InlineData("/api/usage", """[1, 2]""", "body", "must be a JSON object")]
    [InlineData("/api/usage", """{"model_name": """, "body", "is not valid JSON")]
    [InlineData("/api/usage/batch", """{"model_name":"m"}""", "body", "must be a JSON array")]
    [InlineData("/api/usage/batch", """[{"model_name":"m","host":"http://h:1","keep_alive":"1m"},{"model_name":"m","keep_alive":"1m"}]""", "[1].host", "is required")]
    [InlineData("/api/hosts/requests/start", """{}""", "host", "is required")]
    [InlineData("/api/hosts/requests/finish", """{"host":""}""", "host", "is required")]
    public async Task A_bad_body_is_400_naming_the_field_and_the_reason(string path, string body, string field, string reason)
    {
        var response = await Host.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertInvalidAsync(response, field, reason);
    }

    [Theory]
    [InlineData("host=http%3A%2F%2Fh%3A1", "model_name")]
    [InlineData("model_name=m", "host")]
    [InlineData("model_name=%20&host=http%3A%2F%2Fh%3A1", "model_name")]
    [InlineData("model_name=m&host=+%0A", "host")]
    public async Task A_missing_or_blank_query_parameter_is_400_naming_it(string query, string field)
    {
        await AssertInvalidAsync(await Host.Http.DeleteAsync($"/api/usage?{query}"), field, "is required");
        await AssertInvalidAsync(await Host.Http.GetAsync($"/api/providers/one?{query}"), field, "is required");
    }

    [Fact]
    public async Task A_bad_batch_is_refused_as_a_whole()
    {
        var response = await Host.Http.PostAsJsonAsync("/api/usage/batch", new object[]
        {
            new { model_name = "half-batch", host = NowhereHost, keep_alive = "1h" },
            new { model_name = "half-batch", host = NowhereHost, keep_alive = "soon" },
        });

        await AssertInvalidAsync(response, "[1].keep_alive", "not a duration");
        // Absence proves nothing before a usage sent after the batch has been taken: one of a pair in the same shard,
        // which delivers in order, so a usage of the batch's first item, had it been sent, would have reached its pair.
        var barrier = ShardMateOf("half-batch", NowhereHost);
        Assert.Equal(HttpStatusCode.Accepted, (await Host.PostUsageAsync(barrier, NowhereHost, "1h")).StatusCode);
        await Host.WaitForPairAsync(barrier, NowhereHost, _ => true, "the usage sent after the batch taken");
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Http.GetAsync(ApiHost.OnePath("half-batch", NowhereHost))).StatusCode);
    }

    [Fact]
    public async Task A_usage_naming_a_model_or_host_of_1024_UTF8_bytes_is_taken_and_one_of_1025_is_400_naming_the_field()
    {
        var (model, host) = (LongNames.OfBytes(PairKey.MaxNameBytes, "at-limit-"), LongNames.OfBytes(PairKey.MaxNameBytes, "http://"));

        Assert.Equal(HttpStatusCode.Accepted, (await Host.PostUsageAsync(model, host, "1h")).StatusCode);
        await Host.WaitForPairAsync(model, host, _ => true, "registered");

        await AssertInvalidAsync(await Host.PostUsageAsync(model + "a", NowhereHost, "1h"), "model_name", TooLong);
        await AssertInvalidAsync(await Host.PostUsageAsync("m", LongNames.OfBytes(PairKey.MaxNameBytes + 1, "http://"), "1h"), "host", TooLong);
    }

    [Fact]
    public async Task A_batch_with_one_name_over_the_limit_is_refused_naming_the_item_and_one_at_the_limit_is_taken()
    {
        var atLimit = LongNames.OfBytes(PairKey.MaxNameBytes, "batch-at-limit-");

        var refused = await Host.Http.PostAsJsonAsync("/api/usage/batch", new[]
        {
            new { model_name = "batch-beside-too-long", host = NowhereHost, keep_alive = "1h" },
            new { model_name = "m", host = LongNames.OfBytes(PairKey.MaxNameBytes + 1, "http://"), keep_alive = "1h" },
        });
        var taken = await Host.Http.PostAsJsonAsync("/api/usage/batch", new[] { new { model_name = atLimit, host = NowhereHost, keep_alive = "1h" } });

        await AssertInvalidAsync(refused, "[1].host", TooLong);
        Assert.Equal(HttpStatusCode.Accepted, taken.StatusCode);
        await Host.WaitForPairAsync(atLimit, NowhereHost, _ => true, "registered");
    }

    [Fact]
    public async Task A_query_naming_a_model_of_1024_UTF8_bytes_finds_and_deletes_its_pair_and_one_of_1025_is_400_naming_it()
    {
        var model = LongNames.OfBytes(PairKey.MaxNameBytes, "query-at-limit-");
        await Host.PostUsageAsync(model, NowhereHost, "1h");
        await Host.WaitForPairAsync(model, NowhereHost, _ => true, "registered");

        await AssertInvalidAsync(await Host.Http.GetAsync(ApiHost.OnePath(model + "a", NowhereHost)), "model_name", TooLong);
        await AssertInvalidAsync(await Host.Http.DeleteAsync(ApiHost.UsagePath(model + "a", NowhereHost)), "model_name", TooLong);
        Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.DeleteAsync(ApiHost.UsagePath(model, NowhereHost))).StatusCode);
    }

    [Theory]
    [InlineData("/api/hosts/requests/start")]
    [InlineData("/api/hosts/requests/finish")]
    public async Task A_host_request_naming_a_host_of_1024_UTF8_bytes_is_taken_and_one_of_1025_is_400_naming_it(string path)
    {
        var taken = await Host.Http.PostAsJsonAsync(path, new { host = LongNames.OfBytes(PairKey.MaxNameBytes, "http://") });
        var refused = await Host.Http.PostAsJsonAsync(path, new { host = LongNames.OfBytes(PairKey.MaxNameBytes + 1, "http://") });

        Assert.Equal(HttpStatusCode.Accepted, taken.StatusCode);
        await AssertInvalidAsync(refused, "host", TooLong);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_413()
    {
        var item = $$"""{"model_name":"big","host":"{{NowhereHost}}","keep_alive":"1h"},""";
        var body = "[" + string.Concat(Enumerable.Repeat(item, 1024 * 1024 / item.Length + 1)) + "{}]";

        // As a careful client sends a large body: the server refuses it before the body is sent (without this the
        // server may answer and close while the body is still being written, and the client sees a broken pipe).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/usage/batch")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { ExpectContinue = true },
        };
        var response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Liveness_checks_the_actor_system_and_readiness_also_the_cluster_join()
    {
        var live = await (await Host.Http.GetAsync("/healthz")).JsonAsync();
        var ready = await (await Host.Http.GetAsync("/readyz")).JsonAsync();

        Assert.Equal("Healthy", live.Text("status"));
        Assert.Equal(["akka.actorsystem"], live.GetProperty("checks").EnumerateObject().Select(c => c.Name));
        Assert.Equal("Healthy", ready.Text("status"));
        Assert.Equal(["akka.actorsystem", "akka.cluster.join"], ready.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
    }

    [Fact]
    public async Task Metrics_are_scraped_after_pings()
    {
        await Host.PostUsageAsync("metered", fixture.Metered.Host, "1s");
        await fixture.Metered.WaitForRequestsAsync(r => r.Model == "metered", timeout: ApiHost.Patience);

        string[] expected =
        [
            "keepalive_pings_sent_total{otel_scope_name=\"KeepAlive.Actors\",api_type=\"vllm\"}",
            "keepalive_pings_succeeded_total{otel_scope_name=\"KeepAlive.Actors\",api_type=\"vllm\"}",
            "keepalive_ping_latency_seconds_bucket{otel_scope_name=\"KeepAlive.Actors\",api_type=\"vllm\",outcome=\"succeeded\",le=\"0.25\"}",
            "keepalive_ping_lateness_seconds_bucket{",
            "keepalive_pairs_active{",
            "keepalive_store_batches_total{otel_scope_name=\"KeepAlive.Actors\",outcome=\"written\"}",
            "keepalive_store_batch_duration_seconds_bucket{",
            "keepalive_store_pending{",
            "keepalive_store_lag_seconds{",
        ];
        foreach (var series in expected) await Host.WaitForMetricAsync(series);
    }

    /// <summary>A model whose pair on <paramref name="host"/> lives in the same shard as <paramref name="model"/>'s (the host runs the default sharding).</summary>
    private static string ShardMateOf(string model, string host)
    {
        var shards = new PairMessageExtractor(new KeepAliveShardingSettings().MaxShards);
        string ShardOf(string name) => shards.ShardId(PairKey.From(name, host).EntityId, null);
        return Enumerable.Range(1, 10_000).Select(i => $"{model}-shard-mate-{i}").First(mate => ShardOf(mate) == ShardOf(model));
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field, string reason)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        var messages = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()).ToArray();
        Assert.Contains(messages, m => m!.Contains(reason));
        Assert.Contains(field, problem.Text("detail"));
    }
}
