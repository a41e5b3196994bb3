using KeepAlive.Actors.Config;

namespace KeepAlive.Actors.Pinging;

/// <summary>The one place that knows the endpoint rule and the payload per api_type (DESIGN §2).</summary>
public static class PingRequestFactory
{
    public const string DefaultPrompt = "Send an empty message.";

    /// <summary>True for the api_types the service knows how to ping (vllm, openai, ollama; case-insensitive).</summary>
    public static bool IsSupported(string apiType) => throw new NotImplementedException();

    /// <summary>
    /// The request for <paramref name="provider"/>; null when its api_type is not supported.
    /// <paramref name="interval"/> is the pair's keep-alive, used for Ollama's own <c>keep_alive</c> field.
    /// </summary>
    public static PingRequest? Create(ProviderConfig provider, TimeSpan interval, string prompt) => throw new NotImplementedException();
}
