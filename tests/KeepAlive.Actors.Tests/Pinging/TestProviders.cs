using KeepAlive.Actors.Config;
using KeepAlive.Actors.Providers;

namespace KeepAlive.Actors.Tests.Pinging;

/// <summary>Provider entries as the models-config loader would produce them.</summary>
internal static class TestProviders
{
    public const string Model = "google/gemma-3-12b-it";

    public static ProviderConfig Provider(
        string apiType,
        string host,
        string model = Model,
        string token = "",
        string modelPath = "",
        KeepAliveMode mode = KeepAliveMode.Chat) =>
        new(model, "provider-1", apiType, host, token, modelPath, "2m", mode);

    public static ProviderKey PairOf(ProviderConfig provider) => ProviderKey.From(provider.ModelName, provider.ApiHost);
}
