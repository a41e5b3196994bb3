using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Testing;

/// <summary>Provider entries and catalogs as the models-config loader would produce them.</summary>
public static class TestProviders
{
    public const string Model = "google/gemma-3-12b-it";

    public static ProviderConfig Provider(
        string apiType,
        string host,
        string model = Model,
        string token = "",
        string modelPath = "",
        KeepAliveMode mode = KeepAliveMode.Chat,
        string? keepAlive = "2m",
        string id = "provider-1") =>
        new(model, id, apiType, host, token, modelPath, keepAlive, mode);

    public static ProviderCatalog Catalog(params IEnumerable<ProviderConfig> providers) => new(providers.ToList(), [], "test");

    public static PairKey PairOf(ProviderConfig provider) => PairKey.From(provider.ModelName, provider.ApiHost);
}
