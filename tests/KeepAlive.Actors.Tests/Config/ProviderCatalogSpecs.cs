using KeepAlive.Actors.Config;
using Xunit;
using static KeepAlive.Testing.TestProviders;

namespace KeepAlive.Actors.Tests.Config;

public sealed class ProviderCatalogSpecs
{
    [Fact]
    public void Constructor_keeps_providers_warnings_and_source()
    {
        var provider = Provider("vllm", "http://h:1", "m", id: "a");

        var catalog = new ProviderCatalog([provider], ["a warning"], "models-config.json");

        Assert.Equal([provider], catalog.Providers);
        Assert.Equal(["a warning"], catalog.Warnings);
        Assert.Equal("models-config.json", catalog.Source);
    }

    [Fact]
    public void Snapshot_does_not_change_when_the_callers_list_does()
    {
        var providers = new List<ProviderConfig> { Provider("vllm", "http://h:1", "m", id: "a") };
        var catalog = new ProviderCatalog(providers, [], null);

        providers.Add(Provider("vllm", "http://h:2", "m", id: "b"));

        Assert.Single(catalog.Providers);
        Assert.Null(catalog.Find("m", "http://h:2"));
    }

    [Fact]
    public void Empty_catalog_finds_nothing()
    {
        Assert.Empty(ProviderCatalog.Empty.Providers);
        Assert.Empty(ProviderCatalog.Empty.Warnings);
        Assert.Null(ProviderCatalog.Empty.Source);
        Assert.Null(ProviderCatalog.Empty.Find("m", "http://h:1"));
    }

    [Theory]
    [InlineData("google/gemma-3-12b-it", "http://10.0.0.5:7000/")]
    [InlineData("model:google/gemma-3-12b-it", "http://10.0.0.5:7000/")]
    [InlineData("  model: google/gemma-3-12b-it  ", "http://10.0.0.5:7000")]
    [InlineData("google/gemma-3-12b-it", "  http://10.0.0.5:7000  ")]
    [InlineData("google/gemma-3-12b-it", "http://10.0.0.5:7000//")]
    public void Model_matches_without_model_prefix_and_host_matches_with_or_without_trailing_slash(string model, string host)
    {
        var provider = Provider("vllm", "http://10.0.0.5:7000/", "google/gemma-3-12b-it", id: "gemma-a");

        Assert.Same(provider, Catalog(provider).Find(model, host));
    }

    [Fact]
    public void Configured_host_without_slash_matches_a_host_asked_with_one()
    {
        var provider = Provider("vllm", " http://10.0.0.5:7000 ", "m", id: "a");

        Assert.Same(provider, Catalog(provider).Find("m", "http://10.0.0.5:7000/"));
    }

    [Theory]
    [InlineData("other-model", "http://10.0.0.5:7000/")]
    [InlineData("google/gemma-3-12b-it", "http://10.0.0.6:7000/")]
    [InlineData("Google/Gemma-3-12b-it", "http://10.0.0.5:7000/")]
    [InlineData("google/gemma-3-12b-it", "http://10.0.0.5:7000/v1")]
    [InlineData("", "")]
    public void Unknown_model_or_host_finds_nothing(string model, string host)
    {
        var catalog = Catalog(Provider("vllm", "http://10.0.0.5:7000/", "google/gemma-3-12b-it", id: "gemma-a"));

        Assert.Null(catalog.Find(model, host));
    }

    [Fact]
    public void Provider_is_chosen_by_host_among_the_models_providers()
    {
        var first = Provider("vllm", "http://h:1/", "m", id: "a");
        var second = Provider("vllm", "http://h:2/", "m", id: "b");
        var otherModel = Provider("vllm", "http://h:2/", "n", id: "c");

        var catalog = Catalog(first, second, otherModel);

        Assert.Same(first, catalog.Find("m", "http://h:1"));
        Assert.Same(second, catalog.Find("m", "http://h:2"));
        Assert.Same(otherModel, catalog.Find("n", "http://h:2"));
    }

    [Fact]
    public void Two_providers_of_one_model_on_the_same_host_the_first_wins()
    {
        var first = Provider("vllm", "http://h:1/", "m", id: "a");
        var second = Provider("vllm", "http://h:1", "m", id: "b");

        Assert.Same(first, Catalog(first, second).Find("m", "http://h:1"));
    }
}
