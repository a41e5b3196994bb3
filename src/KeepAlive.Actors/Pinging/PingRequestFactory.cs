using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Pinging;

/// <summary>The one place that knows the endpoint rule and the payload per api_type, as the Python router sends it.</summary>
public static class PingRequestFactory
{
    public const string ChatCompletionsPath = "/v1/chat/completions";
    public const string OllamaChatPath = "/api/chat";
    public const string OllamaGeneratePath = "/api/generate";

    // Ollama unloads a model once its keep_alive has passed since the last request (5 min by default):
    // ask for the interval plus a margin, so the model is still loaded when the next ping is a little late.
    private static readonly TimeSpan MinOllamaKeepAliveMargin = TimeSpan.FromSeconds(60);
    private const int OllamaKeepAliveMarginDivisor = 10;

    private enum ApiFamily
    {
        OpenAiCompatible,
        Ollama,
    }

    /// <summary>The api_types the service knows how to ping, for messages; <see cref="FamilyOf"/> is the rule.</summary>
    public const string SupportedApiTypes = "vllm, openai or ollama";

    /// <summary>True for the api_types the service knows how to ping (<see cref="SupportedApiTypes"/>; case-insensitive).</summary>
    public static bool IsSupported(string apiType) => FamilyOf(apiType) is not null;

    /// <summary>
    /// The request for <paramref name="provider"/>; null when its api_type is not supported.
    /// <paramref name="interval"/> is the pair's keep-alive, used for Ollama's own <c>keep_alive</c> field;
    /// a chat's prompt, max_tokens and temperature are the <paramref name="settings"/>' Ping* settings.
    /// </summary>
    /// <exception cref="ArgumentException">the provider's api_host is not an absolute http(s) URI.</exception>
    public static PingRequest? Create(ProviderConfig provider, TimeSpan interval, KeepAliveSettings settings)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);

        var family = FamilyOf(provider.ApiType);
        if (family is null) return null;

        var load = family == ApiFamily.Ollama && provider.Mode == KeepAliveMode.Load;
        var path = family switch
        {
            ApiFamily.Ollama => load ? OllamaGeneratePath : OllamaChatPath,
            _ => ChatCompletionsPath,
        };
        var body = load
            ? Json(w => WriteLoadBody(w, provider.ApiModelName, interval))
            : Json(w => WriteChatBody(w, provider.ApiModelName, settings, family == ApiFamily.Ollama ? interval : null));
        return new PingRequest(Endpoint(provider, path), body, BearerTokenOf(provider));
    }

    /// <summary>Ollama's <c>keep_alive</c> for a pair pinged every <paramref name="interval"/>, as a Go duration.</summary>
    internal static string OllamaKeepAlive(TimeSpan interval)
    {
        var margin = TimeSpan.FromTicks(Math.Max(MinOllamaKeepAliveMargin.Ticks, interval.Ticks / OllamaKeepAliveMarginDivisor));
        var seconds = (long)Math.Ceiling((interval + margin).TotalSeconds);
        return seconds.ToString(CultureInfo.InvariantCulture) + "s";
    }

    private static ApiFamily? FamilyOf(string? apiType) =>
        apiType?.Trim().ToLowerInvariant() switch
        {
            "vllm" or "openai" => ApiFamily.OpenAiCompatible,
            "ollama" => ApiFamily.Ollama,
            _ => null,
        };

    private static Uri Endpoint(ProviderConfig provider, string path)
    {
        var host = PairKey.NormalizeHost(provider.ApiHost);
        if (Uri.TryCreate(host + path, UriKind.Absolute, out var endpoint) &&
            (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps))
        {
            return endpoint;
        }

        throw new ArgumentException(
            $"Provider '{provider.Id}' of model '{provider.ModelName}' has api_host '{provider.ApiHost}', which is not an absolute http(s) URI.",
            nameof(provider));
    }

    // A whitespace-only token cannot authenticate anything and would make an invalid header.
    private static string? BearerTokenOf(ProviderConfig provider) =>
        string.IsNullOrWhiteSpace(provider.ApiToken) ? null : provider.ApiToken;

    private static void WriteChatBody(Utf8JsonWriter writer, string model, KeepAliveSettings settings, TimeSpan? ollamaInterval)
    {
        writer.WriteStartObject();
        writer.WriteBoolean("stream", false);
        writer.WriteString("model", model);
        writer.WriteStartArray("messages");
        writer.WriteStartObject();
        writer.WriteString("role", "user");
        writer.WriteString("content", settings.PingPrompt);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteNumber("max_tokens", settings.PingMaxTokens);
        writer.WriteNumber("temperature", settings.PingTemperature);
        if (ollamaInterval is { } interval) writer.WriteString("keep_alive", OllamaKeepAlive(interval));
        writer.WriteEndObject();
    }

    private static void WriteLoadBody(Utf8JsonWriter writer, string model, TimeSpan interval)
    {
        writer.WriteStartObject();
        writer.WriteString("model", model);
        writer.WriteString("keep_alive", OllamaKeepAlive(interval));
        writer.WriteEndObject();
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
