using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Providers;
using Microsoft.AspNetCore.Mvc;
using static KeepAlive.Actors.Providers.ProviderProtocol;

namespace KeepAlive.Host.Api;

/// <summary>The HTTP API for routers in other languages: usage, host requests and pair statuses.</summary>
public static class KeepAliveApi
{
    /// <summary>Bodies above this are refused with 413; a usage item is ~100 bytes, so a batch of ~10,000 fits.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

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
        builder.Services.AddSingleton<ProviderDirectory>();
        return builder;
    }

    public static IEndpointRouteBuilder MapKeepAliveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapPost("/usage", RecordUsageAsync);
        api.MapPost("/usage/batch", RecordUsageBatchAsync);
        api.MapDelete("/usage", UnregisterAsync);
        api.MapPost("/hosts/requests/start", (HttpRequest request, IActorRegistry registry) =>
            TellHostAsync(request, registry, host => new HostGateProtocol.RequestStarted(host)));
        api.MapPost("/hosts/requests/finish", (HttpRequest request, IActorRegistry registry) =>
            TellHostAsync(request, registry, host => new HostGateProtocol.RequestFinished(host)));
        api.MapGet("/providers", ListProvidersAsync);
        api.MapGet("/providers/one", OneProviderAsync);
        return app;
    }

    private static async Task<IResult> RecordUsageAsync(HttpRequest request, IActorRegistry registry)
    {
        var (body, failure) = await ReadJsonAsync(request);
        if (failure is not null) return failure;

        var problems = new UsageRequests.Problems();
        var usage = UsageRequests.ReadUsage(body, string.Empty, problems);
        if (usage is null) return Invalid(problems);

        registry.Get<ProviderRegion>().Tell(new RecordUsage(usage.Pair, usage.KeepAlive));
        return Results.Accepted(value: new { accepted = 1 });
    }

    private static async Task<IResult> RecordUsageBatchAsync(HttpRequest request, IActorRegistry registry)
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

        var region = registry.Get<ProviderRegion>();
        foreach (var usage in usages) region.Tell(new RecordUsage(usage!.Pair, usage.KeepAlive));
        return Results.Accepted(value: new { accepted = usages.Count });
    }

    private static async Task<IResult> UnregisterAsync(
        [FromQuery(Name = "model_name")] string? modelName, string? host, IActorRegistry registry, ProviderDirectory directory)
    {
        var problems = new UsageRequests.Problems();
        if (UsageRequests.ReadPair(modelName, host, problems) is not { } pair) return Invalid(problems);
        if (!await directory.IsKnownAsync(pair)) return UnknownPair(pair);

        registry.Get<ProviderRegion>().Tell(new Unregister(pair));
        return Results.Accepted();
    }

    private static async Task<IResult> TellHostAsync(HttpRequest request, IActorRegistry registry, Func<string, object> message)
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
        registry.Get<HostGateRegion>().Tell(message(host.Trim()));
        return Results.Accepted();
    }

    private static async Task<IResult> ListProvidersAsync(HttpRequest request, ProviderDirectory directory, CancellationToken cancellation)
    {
        var problems = new UsageRequests.Problems();
        if (PairQuery.Read(request.Query, problems) is not { } query) return Invalid(problems);
        return Results.Ok(ProviderListJson.From(await directory.ListAsync(query, cancellation), query));
    }

    private static async Task<IResult> OneProviderAsync(
        [FromQuery(Name = "model_name")] string? modelName, string? host, ProviderDirectory directory)
    {
        var problems = new UsageRequests.Problems();
        if (UsageRequests.ReadPair(modelName, host, problems) is not { } pair) return Invalid(problems);
        return await directory.FindAsync(pair) is { } status ? Results.Ok(ProviderStatusJson.From(status)) : UnknownPair(pair);
    }

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

    private static IResult UnknownPair(ProviderKey pair) => Results.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Unknown pair",
        detail: $"No pair {pair.Model} on {pair.Host} is registered (record usage first).");
}
