using System.Text.Json;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Config;

/// <summary>
/// Reads the providers of the chosen models. A provider the service cannot use (not an object, no usable
/// <c>api_host</c>, a string field holding another JSON type, a model name or <c>api_host</c> longer than a pair's
/// names may be) is skipped with one warning; every other one is loaded, with warnings for what will keep it from
/// being pinged.
/// </summary>
/// <remarks>No warning may quote <c>api_token</c>: warnings end up in logs.</remarks>
internal static class ProvidersReader
{
    /// <summary>The lists of a model that hold providers; the router's keep-alive missed providers_sleep, the service reads both.</summary>
    public static readonly string[] ProviderLists = [Providers, "providers_sleep"];

    private const string Providers = "providers";
    private const string Skipped = "the provider is skipped";
    private const string NoPairCanNameIt = "so no pair can name it (a pair's names must reach its actor on any node)";

    // Any other JSON type in these makes the provider unusable. An id is only a name to the service, and keep_alive
    // has its own reading (a number is an invalid duration).
    private static readonly string[] StringFields = ["api_host", "api_type", "api_token", "model_path"];

    public static IReadOnlyList<ProviderConfig> Read(IReadOnlyList<ModelDefinition> models, ConfigWarnings warnings)
    {
        var providers = new List<ProviderConfig>();
        // The router refuses to start when two providers of its active models share an id (providers lists only).
        var modelById = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            foreach (var list in ProviderLists)
            {
                foreach (var (provider, hasId) in ReadList(model.Name, list, model.Body, warnings))
                {
                    providers.Add(provider);
                    if (list == Providers && hasId && !modelById.TryAdd(provider.Id, model.Name))
                    {
                        warnings.Field(Where(model.Name, provider.Id), "id",
                            $"is also used by a provider of model '{modelById[provider.Id]}'; the router refuses a file whose providers share an id");
                    }
                }
            }
        }

        return providers;
    }

    private static IEnumerable<(ProviderConfig Provider, bool HasId)> ReadList(string modelName, string list, JsonElement model, ConfigWarnings warnings)
    {
        if (!model.TryGetProperty(list, out var entries) || entries.ValueKind == JsonValueKind.Null) yield break;
        if (entries.ValueKind != JsonValueKind.Array)
        {
            warnings.Field(ModelAt(modelName), list, $"must be an array of providers, not {entries.ValueKind}; none of them is loaded");
            yield break;
        }

        var index = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            if (ReadProvider(modelName, $"{list}[{index++}]", entry, warnings) is { } read) yield return read;
        }
    }

    private static (ProviderConfig, bool HasId)? ReadProvider(string modelName, string position, JsonElement entry, ConfigWarnings warnings)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            warnings.Add($"{ModelAt(modelName)}, {position}", $"a provider must be a JSON object, not {entry.ValueKind}; skipped");
            return null;
        }

        var id = String(entry, "id");
        var hasId = !string.IsNullOrWhiteSpace(id);
        var at = hasId ? Where(modelName, id!) : $"{ModelAt(modelName)}, {position}";
        if (UnusableBecause(entry) is var (field, problem))
        {
            warnings.Field(at, field, $"{problem}; {Skipped}");
            return null;
        }

        // Matched as normalised: when even that is too long, no spelling of the model can name a pair.
        if (PairKey.NameProblem(PairKey.NormalizeModel(modelName)) is { } modelTooLong)
        {
            warnings.Add(at, $"the model name {modelTooLong}, {NoPairCanNameIt}; {Skipped}");
            return null;
        }

        if (!hasId)
            warnings.Field(at, "id", $"is missing, empty or not a string; the router never routes to such a provider, the service loads it as '{position}'");

        var provider = new ProviderConfig(
            ModelName: PairKey.NormalizeModel(modelName),
            Id: hasId ? id! : position,
            ApiType: String(entry, "api_type") ?? string.Empty,
            ApiHost: String(entry, "api_host")!,
            ApiToken: String(entry, "api_token") ?? string.Empty,
            ModelPath: String(entry, "model_path") ?? string.Empty,
            KeepAlive: ReadKeepAlive(entry),
            Mode: ReadMode(entry, at, warnings));
        WarnAbout(provider, at, warnings);
        return (provider, hasId);
    }

    /// <summary>The first reason the service cannot use the provider, or null. Never quotes a value: it may be a token.</summary>
    private static (string Field, string Problem)? UnusableBecause(JsonElement entry)
    {
        foreach (var field in StringFields)
        {
            if (entry.TryGetProperty(field, out var value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                return (field, $"must be a string, not {value.ValueKind}");
        }

        var apiHost = String(entry, "api_host");
        if (string.IsNullOrWhiteSpace(apiHost)) return ("api_host", "is missing or empty");
        // Before the address check, which quotes the value.
        if (PairKey.NameProblem(apiHost) is { } hostTooLong) return ("api_host", $"{hostTooLong}, {NoPairCanNameIt}");
        if (!IsHttpAddress(apiHost)) return ("api_host", $"'{apiHost}' is not an absolute http:// or https:// address");
        return null;
    }

    private static void WarnAbout(ProviderConfig provider, string at, ConfigWarnings warnings)
    {
        // The api_types with an endpoint rule; others load but are never pinged.
        if (!PingRequestFactory.IsSupported(provider.ApiType))
            warnings.Field(at, "api_type", $"is '{provider.ApiType}', not {PingRequestFactory.SupportedApiTypes}; the provider is loaded but never pinged");

        if (KeepAliveDuration.Parse(provider.KeepAlive) is KeepAliveValue.Invalid invalid)
            warnings.Field(at, "keep_alive", $"'{invalid.Input}' is invalid ({invalid.Reason}); the provider is not scheduled");

        if (provider.Mode == KeepAliveMode.Load && !string.Equals(provider.ApiType, "ollama", StringComparison.OrdinalIgnoreCase))
            warnings.Field(at, "keep_alive_mode", $"is \"load\" but only ollama can load a model without a chat; api_type is '{provider.ApiType}'");
    }

    private static bool IsHttpAddress(string host) =>
        Uri.TryCreate(host.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    // Falsy values (absent, null, false, "") mean off, as in the Python router; any other non-string keeps its raw
    // text so the duration parser reports it as invalid instead of it being silently dropped.
    private static string? ReadKeepAlive(JsonElement entry)
    {
        if (!entry.TryGetProperty("keep_alive", out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False => null,
            JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : null,
            _ => value.GetRawText(),
        };
    }

    // keep_alive_mode is the service's own field, which the router ignores: a value it cannot read falls back to
    // the router's own request, a chat.
    private static KeepAliveMode ReadMode(JsonElement entry, string at, ConfigWarnings warnings)
    {
        if (!entry.TryGetProperty("keep_alive_mode", out var value) || value.ValueKind == JsonValueKind.Null) return KeepAliveMode.Chat;

        var mode = value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim() : null;
        if (mode is not null && mode.Equals("load", StringComparison.OrdinalIgnoreCase)) return KeepAliveMode.Load;
        if (mode is not null && mode.Equals("chat", StringComparison.OrdinalIgnoreCase)) return KeepAliveMode.Chat;

        var found = mode is null ? $"a {value.ValueKind}" : $"'{mode}'";
        warnings.Field(at, "keep_alive_mode", $"is {found}, expected \"chat\" or \"load\"; the provider is pinged with a chat, as by the router");
        return KeepAliveMode.Chat;
    }

    /// <summary>A string field; null when absent, JSON null or of another type (which <see cref="UnusableBecause"/> reports).</summary>
    private static string? String(JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Where(string modelName, string providerId) => $"{ModelAt(modelName)}, provider '{providerId}'";

    // A model name too long for a pair must not make every warning about its providers as long.
    private static string ModelAt(string modelName) => $"model {LogText.Quoted(modelName)}";
}
