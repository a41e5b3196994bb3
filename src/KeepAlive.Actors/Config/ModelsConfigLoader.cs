using System.Text.Json;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Providers;

namespace KeepAlive.Actors.Config;

/// <summary>A models-config file that cannot be used; the message names the file, the model and the field.</summary>
public sealed class ModelsConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads the router's models-config.json format.</summary>
public static class ModelsConfigLoader
{
    /// <exception cref="ModelsConfigException">unreadable file, invalid JSON, provider without api_host, duplicate id in a model.</exception>
    public static ProviderCatalog LoadFile(string path) => Parse(ReadFile(path), path);

    /// <param name="source">Named in every error and warning (usually the file path).</param>
    public static ProviderCatalog Parse(string json, string source)
    {
        using var document = ParseJson(json, source);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelsConfigException($"{source}: the top level must be a JSON object of model groups, not {document.RootElement.ValueKind}");

        var reader = new CatalogReader(source);
        reader.ReadGroups(document.RootElement);
        return new ProviderCatalog(reader.Providers, reader.Warnings, source);
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ModelsConfigException($"{path}: cannot read the models config: {ex.Message}", ex);
        }
    }

    private static JsonDocument ParseJson(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber + 1 ?? 0;
            var position = ex.BytePositionInLine + 1 ?? 0;
            throw new ModelsConfigException($"{source}: invalid JSON at line {line}, position {position}: {WithoutLocation(ex.Message)}", ex);
        }
    }

    // The reader appends its own zero-based "LineNumber: .. | BytePositionInLine: .." which would contradict ours.
    private static string WithoutLocation(string message)
    {
        var location = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return location < 0 ? message : message[..location];
    }

    /// <summary>Walks one parsed models-config document, collecting providers and warnings for <see cref="ModelsConfigLoader"/>.</summary>
    /// <remarks>No message built here may quote <c>api_token</c>: errors and warnings end up in logs.</remarks>
    private sealed class CatalogReader(string source)
    {
        // providers_sleep holds providers too; the original's lookup missed them.
        private static readonly string[] ProviderLists = ["providers", "providers_sleep"];

        public List<ProviderConfig> Providers { get; } = [];

        public List<string> Warnings { get; } = [];

        public void ReadGroups(JsonElement root)
        {
            // Top-level keys that are not objects of models (active_models maps groups to arrays) are skipped, not errors.
            foreach (var group in root.EnumerateObject().Where(g => g.Value.ValueKind == JsonValueKind.Object))
            {
                foreach (var model in group.Value.EnumerateObject().Where(m => IsModel(m.Value)))
                {
                    ReadModel(model.Name, model.Value);
                }
            }
        }

        private static bool IsModel(JsonElement value) =>
            value.ValueKind == JsonValueKind.Object && ProviderLists.Any(list => value.TryGetProperty(list, out _));

        private void ReadModel(string modelName, JsonElement model)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var list in ProviderLists)
            {
                if (!model.TryGetProperty(list, out var entries) || entries.ValueKind == JsonValueKind.Null) continue;
                if (entries.ValueKind != JsonValueKind.Array)
                    throw Error($"model '{modelName}'", list, $"must be an array of providers, not {entries.ValueKind}");

                var index = 0;
                foreach (var entry in entries.EnumerateArray())
                {
                    var provider = ReadProvider(modelName, $"model '{modelName}', {list}[{index++}]", entry);
                    if (!ids.Add(provider.Id))
                        throw Error(Where(modelName, provider.Id), "id", "is already used by another provider of this model (ids are unique across providers and providers_sleep)");
                    Providers.Add(provider);
                }
            }
        }

        private ProviderConfig ReadProvider(string modelName, string position, JsonElement entry)
        {
            if (entry.ValueKind != JsonValueKind.Object)
                throw new ModelsConfigException($"{source}: {position}: a provider must be a JSON object, not {entry.ValueKind}");

            var id = StringField(entry, "id", position);
            if (string.IsNullOrWhiteSpace(id)) throw Error(position, "id", "is missing or empty");

            var at = Where(modelName, id);
            var apiHost = StringField(entry, "api_host", at);
            if (string.IsNullOrWhiteSpace(apiHost)) throw Error(at, "api_host", "is missing or empty");
            if (!IsHttpAddress(apiHost)) throw Error(at, "api_host", $"'{apiHost}' is not an absolute http:// or https:// address");

            var provider = new ProviderConfig(
                ModelName: ProviderKey.NormalizeModel(modelName),
                Id: id,
                ApiType: StringField(entry, "api_type", at) ?? string.Empty,
                ApiHost: apiHost,
                ApiToken: StringField(entry, "api_token", at) ?? string.Empty,
                ModelPath: StringField(entry, "model_path", at) ?? string.Empty,
                KeepAlive: ReadKeepAlive(entry),
                Mode: ReadMode(entry, at));
            WarnAbout(provider, at);
            return provider;
        }

        private void WarnAbout(ProviderConfig provider, string at)
        {
            // The api_types with an endpoint rule (DESIGN §2); others load but are never pinged.
            var knownType = PingRequestFactory.IsSupported(provider.ApiType);
            if (!knownType)
                Warnings.Add($"{source}: {at}: field 'api_type' is '{provider.ApiType}', not vllm, openai or ollama; the provider is loaded but never pinged");

            if (KeepAliveDuration.Parse(provider.KeepAlive) is KeepAliveSetting.Invalid invalid)
                Warnings.Add($"{source}: {at}: field 'keep_alive' '{invalid.Input}' is invalid ({invalid.Reason}); the provider is not scheduled");

            if (provider.Mode == KeepAliveMode.Load && !string.Equals(provider.ApiType, "ollama", StringComparison.OrdinalIgnoreCase))
                Warnings.Add($"{source}: {at}: field 'keep_alive_mode' is \"load\" but only ollama can load a model without a chat; api_type is '{provider.ApiType}'");
        }

        private static bool IsHttpAddress(string host) =>
            Uri.TryCreate(host.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

        // Falsy values (absent, null, false, "") mean off, as in the original; any other non-string keeps its raw
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

        private KeepAliveMode ReadMode(JsonElement entry, string at)
        {
            var mode = StringField(entry, "keep_alive_mode", at)?.Trim();
            if (mode is null) return KeepAliveMode.Chat;
            if (mode.Equals("load", StringComparison.OrdinalIgnoreCase)) return KeepAliveMode.Load;
            if (mode.Equals("chat", StringComparison.OrdinalIgnoreCase)) return KeepAliveMode.Chat;
            throw Error(at, "keep_alive_mode", $"is '{mode}', expected \"chat\" or \"load\"");
        }

        /// <summary>A string field; null when absent or JSON null. The error never quotes the value, which may be a token.</summary>
        private string? StringField(JsonElement entry, string field, string at)
        {
            if (!entry.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.String) throw Error(at, field, $"must be a string, not {value.ValueKind}");
            return value.GetString();
        }

        private static string Where(string modelName, string providerId) => $"model '{modelName}', provider '{providerId}'";

        private ModelsConfigException Error(string at, string field, string problem) =>
            new($"{source}: {at}: field '{field}' {problem}");
    }
}
