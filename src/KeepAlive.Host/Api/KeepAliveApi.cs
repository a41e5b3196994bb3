using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Host.Api;

/// <summary>
/// The HTTP API for routers in other languages: usage, host requests and pair statuses. A 2xx means the work is kept:
/// commands go through <see cref="UsageRecorder"/> and are answered 202 only once every actor confirmed them; a node
/// that cannot take more right now answers 503 with <c>Retry-After</c>.
/// </summary>
public static class KeepAliveApi
{
    /// <summary>Bodies above this are refused with 413; a usage item is ~100 bytes, so a batch of ~10,000 fits.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>The title of a 503 for commands the node refused: nothing was sent, so nothing was taken.</summary>
    public const string RefusedTitle = "Too busy: nothing was taken";

    /// <summary>The title of a 503 for commands sent but not all confirmed in time: some may have been taken.</summary>
    public const string UnconfirmedTitle = "Not confirmed: sending again is safe";

    /// <summary>Where the API listens unless <c>--urls</c> (or <c>ASPNETCORE_URLS</c>) says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Registers what the API needs: snake_case JSON, problem details, the body limit, the pair directory.</summary>
    public static WebApplicationBuilder AddKeepAliveApi(this WebApplicationBuilder builder)
    {
        // Loopback by default: the API has no token unless one is set, so it must not face the network unasked.
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey])) builder.WebHost.UseUrls(DefaultUrl);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddProblemDetails();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddSingleton<PairDirectory>();
        return builder;
    }

    public static IEndpointRouteBuilder MapKeepAliveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapPost("/usage", RecordUsageAsync);
        api.MapPost("/usage/batch", RecordUsageBatchAsync);
        api.MapDelete("/usage", UnregisterAsync);
        api.MapPost("/hosts/requests/start", (HttpRequest request, UsageRecorder recorder) =>
            ReportHostRequestAsync(request, host => recorder.RequestStartedAsync(host, request.HttpContext.RequestAborted)));
        api.MapPost("/hosts/requests/finish", (HttpRequest request, UsageRecorder recorder) =>
            ReportHostRequestAsync(request, host => recorder.RequestFinishedAsync(host, request.HttpContext.RequestAborted)));
        api.MapGet("/providers", ListProvidersAsync);
        api.MapGet("/providers/one", OneProviderAsync);
        api.MapPost("/providers/ping", PingNowAsync);
        return app;
    }

    private static async Task<IResult> RecordUsageAsync(HttpRequest request, UsageRecorder recorder)
    {
        var (body, failure) = await ReadJsonAsync(request);
        if (failure is not null) return failure;

        var problems = new UsageRequests.Problems();
        var usage = UsageRequests.ReadUsage(body, string.Empty, problems);
        if (usage is null) return Invalid(problems);

        return Answer(await recorder.RecordAsync([new RecordUsage(usage.Pair, usage.KeepAlive)], request.HttpContext.RequestAborted));
    }

    private static async Task<IResult> RecordUsageBatchAsync(HttpRequest request, UsageRecorder recorder)
    {
        var (body, failure) = await ReadJsonAsync(request);
        if (failure is not null) return failure;

        var problems = new UsageRequests.Problems();
        if (body.ValueKind != JsonValueKind.Array)
        {
            problems.Add("body", "must be a JSON array of {model_name, host, keep_alive}");
            return Invalid(problems);
        }

        // All or nothing: a router must not have to work out which half of a batch was taken.
        var usages = body.EnumerateArray().Select((item, i) => UsageRequests.ReadUsage(item, $"[{i}]", problems)).ToList();
        if (problems.Count > 0) return Invalid(problems);

        var commands = usages.Select(usage => new RecordUsage(usage!.Pair, usage.KeepAlive)).ToList();
        return Answer(await recorder.RecordAsync(commands, request.HttpContext.RequestAborted));
    }

    private static async Task<IResult> UnregisterAsync(HttpRequest request, UsageRecorder recorder, PairDirectory directory)
    {
        var problems = new UsageRequests.Problems();
        if (UsageRequests.ReadPair(request, problems) is not { } pair) return Invalid(problems);
        if (!await directory.IsKnownAsync(pair)) return UnknownPair(pair);

        return Answer(await recorder.UnregisterAsync(pair, request.HttpContext.RequestAborted), withCount: false);
    }

    private static async Task<IResult> ReportHostRequestAsync(HttpRequest request, Func<string, Task<DeliveryOutcome>> report)
    {
        var (body, failure) = await ReadJsonAsync(request);
        if (failure is not null) return failure;

        var problems = new UsageRequests.Problems();
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems.Add("body", "must be a JSON object with host");
            return Invalid(problems);
        }

        if (UsageRequests.ReadHost(body, string.Empty, problems) is not { } host) return Invalid(problems);
        return Answer(await report(host.Trim()), withCount: false);
    }

    /// <summary>202 when every command was taken; 503 with <c>Retry-After</c> when the node refused them or could not confirm them.</summary>
    private static IResult Answer(DeliveryOutcome outcome, bool withCount = true) => outcome switch
    {
        DeliveryOutcome.Taken taken => withCount ? Results.Accepted(value: new { accepted = taken.Count }) : Results.Accepted(),
        DeliveryOutcome.Refused refused => Unavailable(RefusedTitle, refused.Reason, refused.RetryAfter),
        DeliveryOutcome.Unconfirmed unconfirmed => Unavailable(UnconfirmedTitle, unconfirmed.Reason, unconfirmed.RetryAfter),
        _ => throw new InvalidOperationException($"Unknown delivery outcome {outcome}."),
    };

    private static IResult Unavailable(string title, string detail, TimeSpan retryAfter) => new RetryLater(Results.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail), retryAfter);

    private static async Task<IResult> ListProvidersAsync(HttpRequest request, PairDirectory directory, CancellationToken cancellation)
    {
        var problems = new UsageRequests.Problems();
        var parameters = UsageRequests.StrictQuery(request, PairQuery.Parameters, problems);
        if (PairQuery.Read(parameters, problems) is not { } query) return Invalid(problems);
        return Results.Ok(PairListJson.From(await directory.ListAsync(query, cancellation), query));
    }

    private static async Task<IResult> OneProviderAsync(HttpRequest request, PairDirectory directory)
    {
        var problems = new UsageRequests.Problems();
        if (UsageRequests.ReadPair(request, problems) is not { } pair) return Invalid(problems);
        return await directory.FindAsync(pair) is { } status ? Results.Ok(PairStatusJson.From(status)) : UnknownPair(pair);
    }

    /// <summary>
    /// Pings the pair once, now, through the pair's own rules (its host's gate and lease), and answers how it went: 200
    /// with the ping's outcome, 409 naming the model that occupies the host, 404 when models-config has no usable
    /// provider for the pair. A ping still waiting for its host when the answer is due is kept: 202, it goes when the
    /// host is free.
    /// </summary>
    private static async Task<IResult> PingNowAsync(
        HttpRequest request, ProviderCatalogHolder catalog, IReadOnlyActorRegistry registry, KeepAliveSettings settings)
    {
        var (body, failure) = await ReadJsonAsync(request);
        if (failure is not null) return failure;

        var problems = new UsageRequests.Problems();
        if (UsageRequests.ReadPair(body, problems) is not { } pair) return Invalid(problems);
        // Checked here as well as by the pair, so asking for a pair nobody configured starts no actor for it.
        if (PingTarget.Of(catalog.Current.Find(pair.Model, pair.Host)) is PingTarget.NotPingable notPingable) return NotPingable(pair, notPingable.Problem);

        PingNowAnswered answer;
        try
        {
            answer = await registry.Get<PairRegion>().Ask<PingNowAnswered>(new PingNow(pair), PingNowPatience(settings), request.HttpContext.RequestAborted);
        }
        catch (AskTimeoutException)
        {
            return Results.Accepted(value: new
            {
                model = pair.Model,
                host = pair.Host,
                outcome = "pending",
                detail = $"Not sent within {PingNowPatience(settings).TotalSeconds:0} s: the host is serving real requests or the ping is slow. It is kept and goes when the host is free.",
            });
        }

        return answer.Outcome switch
        {
            PingNowOutcome.Pinged => Results.Ok(PingNowJson.From(pair, answer.Ping!)),
            PingNowOutcome.HostBusy => Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Host busy with another model",
                detail: $"{answer.Detail} occupies {pair.Host}: a ping of {pair.Model} would evict it, so none was sent.",
                extensions: new Dictionary<string, object?> { ["occupant"] = answer.Detail }),
            PingNowOutcome.NotPingable => NotPingable(pair, answer.Detail ?? "no usable provider"),
            _ => Unavailable("Not pinged: ask again", answer.Detail ?? "the pair moved", TimeSpan.FromSeconds(1)),
        };
    }

    /// <summary>How long a ping asked for now is waited for: its turn at the host, then the ping itself.</summary>
    private static TimeSpan PingNowPatience(KeepAliveSettings settings) => settings.LeaseRequestRetry + settings.PingOutcomeDeadline;

    private static IResult NotPingable(PairKey pair, string problem) => Results.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No provider",
        detail: $"{pair.Model} on {pair.Host} is not pinged: {problem}.");

    /// <summary>Reads the body as JSON; a body that is not JSON or too large is answered here.</summary>
    private static async Task<(JsonElement Body, IResult? Failure)> ReadJsonAsync(HttpRequest request)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            var problems = new UsageRequests.Problems { { "body", $"is not valid JSON: {ex.Message}" } };
            return (default, Invalid(problems));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Request body too large",
                detail: $"The body is larger than {MaxRequestBodyBytes} bytes; split the batch."));
        }
    }

    private static IResult Invalid(UsageRequests.Problems problems) => Results.ValidationProblem(
        problems,
        detail: string.Join("; ", problems.Select(p => $"{p.Key} {string.Join(", ", p.Value)}")),
        title: "Invalid request");

    private static IResult UnknownPair(PairKey pair) => Results.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Unknown pair",
        detail: $"No pair {pair.Model} on {pair.Host} is registered (record usage first).");

    /// <summary>An answer with a <c>Retry-After</c> header in whole seconds.</summary>
    private sealed class RetryLater(IResult inner, TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(context);
        }
    }
}
