using System.Globalization;
using System.Net;
using System.Text;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Api;

/// <summary>A field of a request with a value the endpoint takes: JSON text for a body field, URL-encoded text for a query parameter.</summary>
public sealed record SweptField(string Name, string Valid);

/// <summary>
/// A JSON body of string fields: one object, or (<paramref name="InArray"/>) an array of such objects, where the
/// sweep puts a valid item first and the bad one second, so the problem names it <c>[1].field</c>.
/// </summary>
public sealed record SweptBody(IReadOnlyList<SweptField> Fields, bool InArray = false)
{
    /// <summary>The body with <paramref name="field"/>'s value replaced by <paramref name="json"/>; null keeps every value valid.</summary>
    public string With(string? field, string? json)
    {
        string Item(bool bad) => "{" + string.Join(",", Fields.Select(f => $"\"{f.Name}\":{(bad && f.Name == field ? json : f.Valid)}")) + "}";
        return InArray ? $"[{Item(bad: false)},{Item(bad: true)}]" : Item(bad: true);
    }

    public string ProblemKey(string field) => InArray ? $"[1].{field}" : field;
}

/// <summary>An endpoint as the sweep sends to it: method (<c>*</c> for one mapped for any method), path, body fields, query parameters.</summary>
public sealed record SweptEndpoint(string Method, string Path, SweptBody? Body = null, IReadOnlyList<SweptField>? Query = null)
{
    public string Name => $"{Method} {Path}";

    public IReadOnlyList<SweptField> QueryFields => Query ?? [];

    /// <summary>The methods the sweep sends: the endpoint's own, or GET and POST for one mapped for any method.</summary>
    public IReadOnlyList<string> MethodsSent => Method == "*" ? ["GET", "POST"] : [Method];

    /// <summary>The query with <paramref name="parameter"/>'s value replaced by <paramref name="encoded"/>; null keeps every value valid.</summary>
    public string QueryWith(string? parameter, string? encoded) =>
        string.Join("&", QueryFields.Select(q => $"{q.Name}={(q.Name == parameter ? encoded : q.Valid)}"));
}

/// <summary>One real host on its own real redis-server, for the sweep.</summary>
public sealed class SweptHostFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Host = await HostProcess.StartAsync(["--redis", Redis.ConnectionString, "--redis-prefix", RedisServer.NewKeyPrefix()]);
        await Host.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>
/// No input gets a 5xx: every endpoint of the host is swept with text that is not text (lone UTF-16 surrogates in
/// JSON, percent-escapes that are not UTF-8 in queries: a 400 naming the field) and with junk of every other kind
/// (never a 5xx). The table below must list every route the host maps, or the first spec fails.
/// </summary>
public sealed class EndpointSweepSpecs(SweptHostFixture fixture, ITestOutputHelper output) : IClassFixture<SweptHostFixture>
{
    private const string ValidModel = "\"sweep-model\"";
    private const string ValidHost = "\"http://10.255.255.1:9\"";

    private static readonly SweptBody UsageBody = new([new("model_name", ValidModel), new("host", ValidHost), new("keep_alive", "\"1h\"")]);
    private static readonly SweptBody HostBody = new([new("host", ValidHost)]);
    private static readonly SweptBody PairBody = new([new("model_name", ValidModel), new("host", ValidHost)]);
    private static readonly SweptField[] PairQuery = [new("model_name", "sweep-model"), new("host", "http%3A%2F%2F10.255.255.1%3A9")];

    /// <summary>
    /// Every endpoint the host maps. A new endpoint gets a line here: method and path as mapped, and each string field
    /// of its JSON body and each query parameter with a value it takes; the sweep derives every bad request from that.
    /// </summary>
    public static readonly SweptEndpoint[] Endpoints =
    [
        new("*", Observability.LivenessPath),
        new("*", Observability.ReadinessPath),
        new("*", Observability.MetricsPath),
        new("POST", "/api/usage", Body: UsageBody),
        new("POST", "/api/usage/batch", Body: UsageBody with { InArray = true }),
        new("DELETE", "/api/usage", Query: PairQuery),
        new("POST", "/api/hosts/requests/start", Body: HostBody),
        new("POST", "/api/hosts/requests/finish", Body: HostBody),
        new("GET", "/api/providers", Query: [new("q", "sweep"), new("sort", "model"), new("order", "asc"), new("offset", "0"), new("limit", "10")]),
        new("GET", "/api/providers/one", Query: PairQuery),
        new("POST", "/api/providers/ping", Body: PairBody),
        new("GET", "/api/hosts"),
        new("GET", "/api/cluster"),
        new("GET", "/"),
        new("GET", "/ui/status.js"),
        new("GET", "/ui/status.css"),
    ];

    /// <summary>Valid JSON escapes that are not text: a lone low surrogate, a low one before a letter, a high one at the end.</summary>
    private static readonly string[] InvalidTextInJson = [@"""\ud800""", @"""\udc00x""", @"""end\ud83d"""];

    /// <summary>Percent-escapes that are not UTF-8: an encoded surrogate, a byte that never starts a character, an overlong '/'.</summary>
    private static readonly string[] InvalidTextInQuery = ["%ED%A0%80", "%FF", "%C0%AF"];

    /// <summary>JSON of every type but text, for fields that must be text.</summary>
    private static readonly string[] WrongTypes = ["42", "-1.5", "1e999", "true", "false", "null", "{}", "[]", @"[""x""]", @"{""a"":""x""}"];

    private const int OverLimit = (int)KeepAliveApi.MaxRequestBodyBytes + 1;
    private const int UnderLimit = (int)KeepAliveApi.MaxRequestBodyBytes - 1024;

    /// <summary>Bodies of every other kind of junk, sent to every endpoint that reads a body.</summary>
    private static readonly Dictionary<string, Func<SweptEndpoint, byte[]>> BodyJunk = new()
    {
        ["no body"] = _ => [],
        ["null"] = _ => Utf8("null"),
        ["an empty array"] = _ => Utf8("[]"),
        ["an empty object"] = _ => Utf8("{}"),
        ["a string"] = _ => Utf8("\"text\""),
        ["a number"] = _ => Utf8("42"),
        ["true"] = _ => Utf8("true"),
        ["cut off"] = endpoint => Utf8(BodyOf(endpoint)[..^3]),
        ["arrays nested 10,000 deep"] = _ => Utf8(new string('[', 10_000) + new string(']', 10_000)),
        ["objects nested 10,000 deep"] = _ => Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)),
        ["bytes that are not UTF-8 inside a string"] = endpoint => Replace(BodyOfFirstFieldSetTo(endpoint, "\"@\""), "@", [0xFF, 0xFE, 0xC0, 0xAF, 0xED, 0xA0, 0x80]),
        ["bytes that are not UTF-8 outside strings"] = _ => [0xFF, 0xFE, 0xFD, 0x00],
        ["a UTF-8 byte order mark"] = endpoint => [0xEF, 0xBB, 0xBF, .. Utf8(BodyOf(endpoint))],
        ["a string over the size limit"] = endpoint => Utf8(BodyOfFirstFieldSetTo(endpoint, $"\"{new string('a', OverLimit)}\"")),
        ["a string just under the size limit"] = endpoint => Utf8(BodyOfFirstFieldSetTo(endpoint, $"\"{new string('a', UnderLimit)}\"")),
        ["escaped control characters"] = endpoint => Utf8(BodyOfFirstFieldSetTo(endpoint, @"""\u0000\u0001\n\t\u001f\u007f""")),
        ["raw control characters inside a string"] = endpoint => Utf8(BodyOfFirstFieldSetTo(endpoint, "\"a\u0001\u0000b\"")),
        ["a lone surrogate in a property name"] = endpoint => Utf8(BodyOf(endpoint).Replace("{\"", @"{""\ud800"":1,""", StringComparison.Ordinal)),
        ["every field twice"] = endpoint =>
        {
            var fields = string.Join(",", endpoint.Body!.Fields.Select(f => $"\"{f.Name}\":{f.Valid}"));
            return Utf8(endpoint.Body.InArray ? $"[{{{fields},{fields}}}]" : $"{{{fields},{fields}}}");
        },
        ["20,000 empty items"] = _ => Utf8("[" + string.Join(",", Enumerable.Repeat("{}", 20_000)) + "]"),
    };

    /// <summary>Queries of every other kind of junk, sent to every endpoint with each of its methods.</summary>
    private static readonly Dictionary<string, Func<SweptEndpoint, string>> QueryJunk = new()
    {
        ["every parameter twice"] = endpoint => QueryOf(endpoint) + "&" + QueryOf(endpoint),
        ["empty values"] = endpoint => string.Join("&", QueryNames(endpoint).Select(name => $"{name}=")),
        ["no values"] = endpoint => string.Join("&", QueryNames(endpoint)),
        ["a lone percent sign"] = endpoint => string.Join("&", QueryNames(endpoint).Select(name => $"{name}=%")),
        ["escapes that are not hex"] = endpoint => string.Join("&", QueryNames(endpoint).Select(name => $"{name}=%zz%G0%4")),
        ["control characters"] = endpoint => string.Join("&", QueryNames(endpoint).Select(name => $"{name}=%00%01%0A%0D%1F%7F")),
        ["plus signs only"] = endpoint => string.Join("&", QueryNames(endpoint).Select(name => $"{name}=+++")),
        ["names that are not UTF-8"] = endpoint => "%FF=1&%ED%A0%80=2&" + QueryOf(endpoint),
        ["separators only"] = _ => "&&&=&==&",
        ["a 6 KB value"] = endpoint => string.Join("&", QueryNames(endpoint).Select(name => $"{name}={new string('a', 6 * 1024)}")),
        ["a query longer than a request line may be"] = _ => $"model_name={new string('a', 64 * 1024)}",
    };

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task The_sweep_knows_every_route_the_host_maps()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddKeepAliveEndpoints(redis: null);
        builder.Services.AddKeepAlive(new ProviderCatalogHolder(ProviderCatalog.Empty));
        await using var app = builder.Build();
        app.MapKeepAliveEndpoints();

        var mapped = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(route => (route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => $"{method} {route.RoutePattern.RawText}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(Endpoints.Select(endpoint => endpoint.Name).Order(StringComparer.Ordinal), mapped);
    }

    public static IEnumerable<object[]> BodyFieldsWithInvalidText() => EveryBodyFieldWith(InvalidTextInJson);

    [Theory]
    [MemberData(nameof(BodyFieldsWithInvalidText))]
    public async Task Invalid_UTF16_in_a_body_field_is_400_naming_the_field(string endpointName, string field, string json)
    {
        var endpoint = Endpoint(endpointName);

        var response = await SendAsync(endpoint.Method, endpoint.Path, body: Utf8(endpoint.Body!.With(field, json)));

        await AssertInvalidAsync(response, endpoint.Body!.ProblemKey(field), "not valid text");
    }

    public static IEnumerable<object[]> QueryParametersWithInvalidText() =>
        from row in QueryParameters()
        from encoded in InvalidTextInQuery
        select new[] { row[0], row[1], encoded };

    [Theory]
    [MemberData(nameof(QueryParametersWithInvalidText))]
    public async Task Invalid_UTF8_in_a_query_parameter_is_400_naming_the_parameter(string endpointName, string parameter, string encoded)
    {
        var endpoint = Endpoint(endpointName);

        var response = await SendAsync(endpoint.Method, $"{endpoint.Path}?{endpoint.QueryWith(parameter, encoded)}");

        await AssertInvalidAsync(response, parameter, "not valid UTF-8 text");
    }

    public static IEnumerable<object[]> QueryParameters() =>
        from endpoint in Endpoints
        from parameter in endpoint.QueryFields
        select new object[] { endpoint.Name, parameter.Name };

    [Theory]
    [MemberData(nameof(QueryParameters))]
    public async Task A_query_parameter_given_twice_is_400_naming_it(string endpointName, string parameter)
    {
        var endpoint = Endpoint(endpointName);
        var valid = endpoint.QueryFields.Single(field => field.Name == parameter).Valid;

        var response = await SendAsync(endpoint.Method, $"{endpoint.Path}?{endpoint.QueryWith(null, null)}&{parameter}={valid}");

        await AssertInvalidAsync(response, parameter, "must be given once");
    }

    public static IEnumerable<object[]> BodyFieldsOfTheWrongType() => EveryBodyFieldWith(WrongTypes);

    /// <summary>A value of another type is refused naming the field, unless the field takes it (<c>keep_alive</c>: null or false turn a pair off).</summary>
    [Theory]
    [MemberData(nameof(BodyFieldsOfTheWrongType))]
    public async Task A_body_field_of_the_wrong_type_is_400_naming_the_field_or_taken(string endpointName, string field, string json)
    {
        var endpoint = Endpoint(endpointName);

        var response = await SendAsync(endpoint.Method, endpoint.Path, body: Utf8(endpoint.Body!.With(field, json)));

        if (response.StatusCode == HttpStatusCode.Accepted) return;
        await AssertInvalidAsync(response, endpoint.Body!.ProblemKey(field), reason: "");
    }

    public static IEnumerable<object[]> EndpointsWithJunkBodies() =>
        from endpoint in Endpoints where endpoint.Body is not null
        from junk in BodyJunk.Keys
        select new object[] { endpoint.Name, junk };

    [Theory]
    [MemberData(nameof(EndpointsWithJunkBodies))]
    public async Task A_junk_body_is_never_a_5xx(string endpointName, string junk)
    {
        var endpoint = Endpoint(endpointName);

        var response = await SendAsync(endpoint.Method, endpoint.Path, body: BodyJunk[junk](endpoint));

        await AssertNoServerErrorAsync(response);
    }

    public static IEnumerable<object[]> EndpointsWithJunkQueries() =>
        from endpoint in Endpoints
        from method in endpoint.MethodsSent
        from junk in QueryJunk.Keys
        select new object[] { endpoint.Name, method, junk };

    [Theory]
    [MemberData(nameof(EndpointsWithJunkQueries))]
    public async Task A_junk_query_is_never_a_5xx(string endpointName, string method, string junk)
    {
        var endpoint = Endpoint(endpointName);
        var body = endpoint.Body is null ? null : Utf8(BodyOf(endpoint));

        var response = await SendAsync(method, $"{endpoint.Path}?{QueryJunk[junk](endpoint)}", body);

        await AssertNoServerErrorAsync(response);
    }

    public static IEnumerable<object[]> NamesOverTheLimit() =>
        (from endpoint in Endpoints where endpoint.Body is not null
         from field in endpoint.Body!.Fields where IsName(field.Name)
         from bytes in new[] { PairKey.MaxNameBytes + 1, 500_000 }
         select new object[] { endpoint.Name, field.Name, bytes, "body" })
        .Concat(
            // A request line has 8 KB: a query names no more than a few thousand bytes.
            from endpoint in Endpoints
            from parameter in endpoint.QueryFields where IsName(parameter.Name)
            select new object[] { endpoint.Name, parameter.Name, PairKey.MaxNameBytes + 1, "query" });

    /// <summary>A name no pair may have is refused where it enters, so it can never be taken here and lost between nodes.</summary>
    [Theory]
    [MemberData(nameof(NamesOverTheLimit))]
    public async Task A_model_name_or_host_over_the_limit_is_400_naming_the_field_and_its_size(string endpointName, string field, int bytes, string where)
    {
        var endpoint = Endpoint(endpointName);
        var name = LongNames.OfBytes(bytes);

        var response = where == "body"
            ? await SendAsync(endpoint.Method, endpoint.Path, body: Utf8(endpoint.Body!.With(field, $"\"{name}\"")))
            : await SendAsync(endpoint.Method, $"{endpoint.Path}?{endpoint.QueryWith(field, Uri.EscapeDataString(name))}");

        var problemKey = where == "body" ? endpoint.Body!.ProblemKey(field) : field;
        await AssertInvalidAsync(response, problemKey, $"is {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes long in UTF-8; a model name or host may be at most 1,024");
    }

    /// <summary>Text that is valid but unusual is a name like any other: taken, listed, found by query and unregistered.</summary>
    [Fact]
    public async Task Pairs_named_with_control_characters_escapes_emoji_or_as_long_as_allowed_are_taken_listed_found_and_deleted()
    {
        const string host = "http://10.255.255.1:9";
        string[] models =
        [
            "ctl\u0000\u0001\u001f\u007fend", "emoji \ud83d\ude00 and \u00e9", "slash/question?hash#percent%25amp&plus+=",
            LongNames.OfBytes(PairKey.MaxNameBytes),
        ];

        foreach (var model in models)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await Host.PostUsageAsync(model, host, "1h")).StatusCode);
        }

        await Eventually.HoldsAsync(async () =>
        {
            var listed = (await (await Host.Http.GetAsync("/api/providers")).JsonAsync()).GetProperty("providers").EnumerateArray()
                .Select(pair => pair.Text("model")).ToHashSet();
            return models.All(listed.Contains);
        }, ApiHost.Patience, "every pair listed");
        foreach (var model in models)
        {
            var found = await Host.Http.GetAsync(ApiHost.OnePath(model, host));
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
            Assert.Equal(model, (await found.JsonAsync()).Text("model"));
            Assert.Equal(HttpStatusCode.Accepted, (await Host.Http.DeleteAsync(ApiHost.UsagePath(model, host))).StatusCode);
        }
    }

    /// <summary>Rows (endpoint, field, JSON value): every string field of every body with each of <paramref name="values"/>.</summary>
    private static IEnumerable<object[]> EveryBodyFieldWith(IEnumerable<string> values) =>
        from endpoint in Endpoints where endpoint.Body is not null
        from field in endpoint.Body!.Fields
        from json in values
        select new object[] { endpoint.Name, field.Name, json };

    private static bool IsName(string field) => field is "model_name" or "host";

    private static SweptEndpoint Endpoint(string name) => Endpoints.Single(endpoint => endpoint.Name == name);

    private static string BodyOf(SweptEndpoint endpoint) => endpoint.Body!.With(null, null);

    private static string BodyOfFirstFieldSetTo(SweptEndpoint endpoint, string json) => endpoint.Body!.With(endpoint.Body.Fields[0].Name, json);

    /// <summary>The endpoint's query parameters, or a pair's for an endpoint without any (junk it must ignore).</summary>
    private static IReadOnlyList<SweptField> QueryFieldsOf(SweptEndpoint endpoint) => endpoint.Query ?? PairQuery;

    private static string QueryOf(SweptEndpoint endpoint) => string.Join("&", QueryFieldsOf(endpoint).Select(q => $"{q.Name}={q.Valid}"));

    private static IEnumerable<string> QueryNames(SweptEndpoint endpoint) => QueryFieldsOf(endpoint).Select(q => q.Name);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Replace(string text, string marker, byte[] bytes)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        return [.. Utf8(text[..at]), .. bytes, .. Utf8(text[(at + marker.Length)..])];
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string pathAndQuery, byte[]? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
            // A body over the limit is refused before it is sent, as a careful client sends one (see HttpApiSpecs).
            request.Headers.ExpectContinue = body.Length > KeepAliveApi.MaxRequestBodyBytes;
        }

        return await Host.Http.SendAsync(request);
    }

    private async Task AssertNoServerErrorAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        output.WriteLine($"{status} {response.ReasonPhrase}");
        Assert.True(status < 500, $"{status}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field, string reason)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"the problem does not name {field}: {text}");
        Assert.Contains(messages.EnumerateArray(), message => message.GetString()!.Contains(reason, StringComparison.Ordinal));
    }
}
