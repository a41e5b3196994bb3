using System.Text.Json;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using Xunit;

namespace KeepAlive.Actors.Tests.Config;

public sealed class ModelsConfigLoaderSpecs : IDisposable
{
    private const string Token = "sk-SECRET-token-4711";
    private const string Source = "f.json";

    private readonly string _directory = Directory.CreateTempSubdirectory("keepalive-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string json, string name = "models-config.json")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>One active model holding the given provider objects (JSON text) under "providers", as the router's files do.</summary>
    private static string ModelWith(string model, params string[] providers) => $$"""
        { "google_models": { "{{model}}": { "providers": [ {{string.Join(", ", providers)}} ] } },
          "active_models": { "google_models": [ "{{model}}" ] } }
        """;

    private static string ProviderJson(string id = "p1", string apiType = "vllm", string extra = "", string host = "http://127.0.0.1:7000/") =>
        $$"""{ "id": "{{id}}", "api_type": "{{apiType}}", "api_host": "{{host}}", "api_token": "{{Token}}", "keep_alive": "2m"{{extra}} }""";

    private static ProviderCatalog Parse(string json, ModelSelection selection = ModelSelection.ActiveModels) =>
        ModelsConfigLoader.Parse(json, Source, selection);

    private ModelsConfigException LoadFails(string json, string fileName = "broken-config.json") =>
        Assert.Throws<ModelsConfigException>(() => ModelsConfigLoader.LoadFile(WriteFile(json, fileName)));

    [Fact]
    public void Design_sample_config_loads()
    {
        const string json = """
            {
              "google_models": {
                "google/gemma-3-12b-it": {
                  "providers": [
                    { "id": "gemma-a", "api_type": "vllm", "api_host": "http://10.0.0.5:7000/",
                      "api_token": "", "model_path": "", "keep_alive": "2m" }
                  ]
                }
              },
              "active_models": { "google_models": ["google/gemma-3-12b-it"] }
            }
            """;

        var catalog = ModelsConfigLoader.Parse(json, "design.json");

        var expected = new ProviderConfig("google/gemma-3-12b-it", "gemma-a", "vllm", "http://10.0.0.5:7000/", "", "", "2m", KeepAliveMode.Chat);
        Assert.Equal([expected], catalog.Providers);
        Assert.Empty(catalog.Warnings);
        Assert.Equal("design.json", catalog.Source);
        Assert.Equal(expected, catalog.Find("model:google/gemma-3-12b-it", "http://10.0.0.5:7000"));
    }

    [Fact]
    public void Repository_sample_config_loads_without_warnings()
    {
        var catalog = ModelsConfigLoader.LoadFile(SamplePath());

        Assert.Empty(catalog.Warnings);
        Assert.Equal(["ollama", "openai", "vllm"], catalog.Providers.Select(p => p.ApiType).Distinct().Order());
        Assert.Contains(catalog.Providers, p => p.Mode == KeepAliveMode.Load);
        Assert.All(catalog.Providers, p => Assert.StartsWith("http://127.0.0.1:", p.ApiHost));
        Assert.All(catalog.Providers, p => Assert.IsType<KeepAliveValue.Every>(KeepAliveDuration.Parse(p.KeepAlive)));
    }

    [Fact]
    public void Loaded_file_is_named_as_the_catalog_source()
    {
        var path = WriteFile(ModelWith("m", ProviderJson()));

        Assert.Equal(path, ModelsConfigLoader.LoadFile(path).Source);
    }

    // ---- active_models, as the router's ApiModelConfig reads it ----

    private const string TwoGroups = """
        {
          "google_models": {
            "active-a": { "providers": [ { "id": "a", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ] },
            "retired": { "providers": [ { "id": "r", "api_type": "vllm", "api_host": "http://127.0.0.1:2" } ] }
          },
          "qwen_models": {
            "active-q": { "providers": [ { "id": "q", "api_type": "ollama", "api_host": "http://127.0.0.1:3" } ] }
          },
          "active_models": { "google_models": ["active-a"], "qwen_models": ["active-q"] }
        }
        """;

    [Fact]
    public void Only_the_models_listed_under_active_models_are_loaded()
    {
        var catalog = Parse(TwoGroups);

        Assert.Equal(["active-a", "active-q"], catalog.Providers.Select(p => p.ModelName));
        Assert.Null(catalog.Find("retired", "http://127.0.0.1:2"));
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void All_models_loads_every_model_of_every_group_whatever_active_models_says()
    {
        var catalog = Parse(TwoGroups, ModelSelection.AllModels);

        Assert.Equal(["active-a", "retired", "active-q"], catalog.Providers.Select(p => p.ModelName));
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Empty_active_models_loads_no_model()
    {
        var catalog = Parse(TwoGroups.Replace("""{ "google_models": ["active-a"], "qwen_models": ["active-q"] }""", "{}"));

        Assert.Empty(catalog.Providers);
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Without_active_models_every_model_is_loaded_with_one_warning()
    {
        var json = $$"""{ "google_models": { "a": { "providers": [ {{ProviderJson("a")}} ] }, "b": { "providers": [ {{ProviderJson("b")}} ] } } }""";

        var catalog = Parse(json);

        Assert.Equal(["a", "b"], catalog.Providers.Select(p => p.ModelName));
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, Source, "active_models", "--all-models");
    }

    [Fact]
    public void A_file_without_models_nor_active_models_loads_nothing_and_warns_nothing()
    {
        var catalog = Parse("""{ "google_models": {} }""");

        Assert.Empty(catalog.Providers);
        Assert.Empty(catalog.Warnings);
    }

    [Theory]
    [InlineData("[\"active-a\"]", "Array")]
    [InlineData("null", "Null")]
    [InlineData("\"active-a\"", "String")]
    public void Active_models_that_is_not_an_object_loads_every_model_with_a_warning_naming_the_field(string value, string kind)
    {
        var json = TwoGroups.Replace("""{ "google_models": ["active-a"], "qwen_models": ["active-q"] }""", value);

        var catalog = Parse(json);

        Assert.Equal(3, catalog.Providers.Count);
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, Source, "'active_models'", kind);
    }

    public static TheoryData<string, string[]> ActiveModelsTheRouterRefuses => new()
    {
        // A group's list that is not an array: the router iterates a string's characters and fails.
        { """ "google_models": "active-a", "qwen_models": ["active-q"] """, ["active_models 'google_models'", "array"] },
        // A group the file does not define.
        { """ "google_models": ["active-a"], "qwen_models": ["active-q"], "mistral_models": ["m"] """, ["active_models 'mistral_models'", "does not define"] },
        // A model its group does not define.
        { """ "google_models": ["active-a", "gone"], "qwen_models": ["active-q"] """, ["active_models 'google_models'[1]", "'gone'"] },
        // A name that is not a string.
        { """ "google_models": ["active-a", 7], "qwen_models": ["active-q"] """, ["active_models 'google_models'[1]", "Number"] },
    };

    [Theory]
    [MemberData(nameof(ActiveModelsTheRouterRefuses))]
    public void An_active_models_entry_the_router_would_refuse_is_left_out_with_one_warning_and_the_rest_loads(string activeModels, string[] named)
    {
        var json = TwoGroups.Replace("""{ "google_models": ["active-a"], "qwen_models": ["active-q"] }""", $"{{ {activeModels} }}");

        var catalog = Parse(json);

        Assert.Contains("active-q", catalog.Providers.Select(p => p.ModelName));
        Assert.DoesNotContain("retired", catalog.Providers.Select(p => p.ModelName));
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, Source, named);
    }

    [Fact]
    public void Active_model_without_providers_is_skipped_with_a_warning_naming_it()
    {
        const string json = """
            { "g": { "no-providers": { "description": "retired" },
                     "m": { "providers": [ { "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ] } },
              "active_models": { "g": ["no-providers", "m"] } }
            """;

        var catalog = Parse(json);

        Assert.Equal(["m"], catalog.Providers.Select(p => p.ModelName));
        AssertNames(Assert.Single(catalog.Warnings), Source, "no-providers", "providers");
    }

    [Fact]
    public void With_all_models_objects_without_providers_are_not_models_and_pass_silently()
    {
        const string json = """
            { "g": { "no-providers": { "description": "retired" },
                     "m": { "providers": [ { "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ] } } }
            """;

        var catalog = Parse(json, ModelSelection.AllModels);

        Assert.Equal(["m"], catalog.Providers.Select(p => p.ModelName));
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void A_model_active_in_two_groups_takes_the_definition_of_the_last_one_as_the_router_does()
    {
        const string json = """
            { "old": { "m": { "providers": [ { "id": "old", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ] } },
              "new": { "m": { "providers": [ { "id": "new", "api_type": "vllm", "api_host": "http://127.0.0.1:2" } ] } },
              "active_models": { "old": ["m"], "new": ["m"] } }
            """;

        var catalog = Parse(json);

        Assert.Equal(["new"], catalog.Providers.Select(p => p.Id));
        AssertNames(Assert.Single(catalog.Warnings), Source, "'m'", "'old'", "'new'");
    }

    [Fact]
    public void A_model_listed_twice_in_one_group_is_loaded_once()
    {
        var catalog = Parse(TwoGroups.Replace("""["active-a"]""", """["active-a", "active-a"]"""));

        Assert.Single(catalog.Providers, p => p.ModelName == "active-a");
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Providers_sleep_of_active_models_are_loaded_too()
    {
        const string json = """
            { "g": { "m": {
                "providers": [ { "id": "awake", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ],
                "providers_sleep": [ { "id": "asleep", "api_type": "ollama", "api_host": "http://127.0.0.1:2" } ] },
              "only-sleeping": {
                "providers_sleep": [ { "id": "asleep-2", "api_type": "ollama", "api_host": "http://127.0.0.1:3" } ] } },
              "active_models": { "g": ["m", "only-sleeping"] } }
            """;

        var catalog = Parse(json);

        Assert.Equal(["awake", "asleep", "asleep-2"], catalog.Providers.Select(p => p.Id));
        Assert.NotNull(catalog.Find("m", "http://127.0.0.1:2"));
        Assert.NotNull(catalog.Find("only-sleeping", "http://127.0.0.1:3"));
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Top_level_keys_that_are_not_objects_of_models_are_ignored()
    {
        const string json = """
            {
              "active_models": { "google_models": ["m"] },
              "version": 2, "comment": "x", "flags": [1, 2], "nothing": null,
              "settings": { "retries": 3, "names": { "a": "b" } },
              "google_models": { "m": { "providers": [ { "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ] } }
            }
            """;

        foreach (var selection in Enum.GetValues<ModelSelection>())
        {
            var catalog = Parse(json, selection);

            Assert.Equal(["p"], catalog.Providers.Select(p => p.Id));
            Assert.Empty(catalog.Warnings);
        }
    }

    // ---- provider fields ----

    [Fact]
    public void Absent_token_path_keep_alive_and_mode_take_their_defaults()
    {
        var catalog = Parse(ModelWith("m", """{ "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1" }"""));

        var provider = Assert.Single(catalog.Providers);
        Assert.Equal("", provider.ApiToken);
        Assert.Equal("", provider.ModelPath);
        Assert.Null(provider.KeepAlive);
        Assert.Equal(KeepAliveMode.Chat, provider.Mode);
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Null_string_fields_take_their_defaults()
    {
        var catalog = Parse(ModelWith("m", """{ "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1", "api_token": null, "model_path": null }"""));

        var provider = Assert.Single(catalog.Providers);
        Assert.Equal(("", ""), (provider.ApiToken, provider.ModelPath));
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Model_names_are_stored_normalised()
    {
        var catalog = Parse(ModelWith("  model: google/gemma  ", ProviderJson()));

        Assert.Equal("google/gemma", Assert.Single(catalog.Providers).ModelName);
    }

    [Theory]
    [InlineData("\"30s\"", "30s")]
    [InlineData("\" 2 M \"", " 2 M ")]
    [InlineData("null", null)]
    [InlineData("false", null)]
    [InlineData("\"\"", null)]
    public void Keep_alive_string_is_kept_raw_and_falsy_values_mean_off(string jsonValue, string? expected)
    {
        var catalog = Parse(ModelWith("m", $$"""{ "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1", "keep_alive": {{jsonValue}} }"""));

        Assert.Equal(expected, Assert.Single(catalog.Providers).KeepAlive);
        Assert.Empty(catalog.Warnings);
    }

    [Theory]
    [InlineData("30", "30")]
    [InlineData("1.5", "1.5")]
    [InlineData("true", "true")]
    [InlineData("\"1h30m\"", "1h30m")]
    [InlineData("\"-1m\"", "-1m")]
    public void Keep_alive_that_is_not_a_duration_loads_with_a_warning_naming_file_model_provider_and_field(string jsonValue, string expectedRaw)
    {
        var path = WriteFile(ModelWith("google/gemma", $$"""{ "id": "gemma-a", "api_type": "vllm", "api_host": "http://127.0.0.1:1", "keep_alive": {{jsonValue}} }"""));

        var catalog = ModelsConfigLoader.LoadFile(path);

        Assert.Equal(expectedRaw, Assert.Single(catalog.Providers).KeepAlive);
        AssertNames(Assert.Single(catalog.Warnings), path, "google/gemma", "gemma-a", "'keep_alive'", expectedRaw);
    }

    [Theory]
    [InlineData("\"load\"", KeepAliveMode.Load)]
    [InlineData("\"LOAD\"", KeepAliveMode.Load)]
    [InlineData("\"chat\"", KeepAliveMode.Chat)]
    [InlineData("null", KeepAliveMode.Chat)]
    public void Keep_alive_mode_is_read_case_insensitively(string jsonValue, KeepAliveMode expected)
    {
        var catalog = Parse(ModelWith("m", $$"""{ "id": "p", "api_type": "ollama", "api_host": "http://127.0.0.1:1", "keep_alive_mode": {{jsonValue}} }"""));

        Assert.Equal(expected, Assert.Single(catalog.Providers).Mode);
        Assert.Empty(catalog.Warnings);
    }

    [Theory]
    [InlineData("\"sleep\"", "'sleep'")]
    [InlineData("\"\"", "''")]
    [InlineData("1", "Number")]
    [InlineData("true", "True")]
    public void Unknown_keep_alive_mode_falls_back_to_the_routers_chat_with_a_warning_naming_file_model_provider_and_field(string jsonValue, string named)
    {
        var catalog = Parse(ModelWith("google/gemma", ProviderJson("gemma-a", "ollama", extra: $$""", "keep_alive_mode": {{jsonValue}}""")));

        Assert.Equal(KeepAliveMode.Chat, Assert.Single(catalog.Providers).Mode);
        AssertNames(Assert.Single(catalog.Warnings), Source, "google/gemma", "gemma-a", "'keep_alive_mode'", named);
    }

    [Theory]
    [InlineData("vllm")]
    [InlineData("openai")]
    [InlineData("VLLM")]
    [InlineData("OpenAI")]
    public void Load_mode_on_a_provider_that_is_not_ollama_loads_with_a_warning(string apiType)
    {
        var catalog = Parse(ModelWith("google/gemma", ProviderJson("gemma-a", apiType, extra: """, "keep_alive_mode": "load" """)));

        Assert.Equal(KeepAliveMode.Load, Assert.Single(catalog.Providers).Mode);
        AssertNames(Assert.Single(catalog.Warnings), Source, "google/gemma", "gemma-a", "'keep_alive_mode'");
    }

    [Theory]
    [InlineData("tgi")]
    [InlineData("")]
    public void Unknown_api_type_loads_with_a_warning_naming_file_model_provider_and_field(string apiType)
    {
        var catalog = Parse(ModelWith("google/gemma", ProviderJson("gemma-a", apiType)));

        Assert.Equal(apiType, Assert.Single(catalog.Providers).ApiType);
        AssertNames(Assert.Single(catalog.Warnings), Source, "google/gemma", "gemma-a", "'api_type'");
    }

    [Fact]
    public void Missing_api_type_loads_with_a_warning_naming_the_field()
    {
        var catalog = Parse(ModelWith("m", """{ "id": "p", "api_host": "http://127.0.0.1:1" }"""));

        Assert.Equal("", Assert.Single(catalog.Providers).ApiType);
        Assert.Contains("'api_type'", Assert.Single(catalog.Warnings));
    }

    [Theory]
    [InlineData("vllm")]
    [InlineData("OLLAMA")]
    [InlineData("OpenAI")]
    public void Known_api_types_are_recognised_case_insensitively(string apiType)
    {
        Assert.Empty(Parse(ModelWith("m", ProviderJson(apiType: apiType))).Warnings);
    }

    // ---- providers the service cannot use: skipped, one warning each, the others load ----

    public static TheoryData<string, string> UnusableProviders => new()
    {
        { """{ "id": "bad", "api_type": "vllm" }""", "'api_host' is missing" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": null }""", "'api_host' is missing" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": "" }""", "'api_host' is missing" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": "   " }""", "'api_host' is missing" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": "10.0.0.5:7000" }""", "'api_host' '10.0.0.5:7000' is not an absolute http" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": "ftp://10.0.0.5/" }""", "'api_host' 'ftp://10.0.0.5/' is not an absolute http" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": 7000 }""", "'api_host' must be a string, not Number" },
        { """{ "id": "bad", "api_type": ["vllm"], "api_host": "http://127.0.0.1:2" }""", "'api_type' must be a string, not Array" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": "http://127.0.0.1:2", "api_token": 4711 }""", "'api_token' must be a string, not Number" },
        { """{ "id": "bad", "api_type": "vllm", "api_host": "http://127.0.0.1:2", "model_path": {} }""", "'model_path' must be a string, not Object" },
        // Several problems: still one warning, the first that makes it unusable.
        { """{ "id": "bad", "api_type": 1, "api_host": 2, "api_token": 3 }""", "'api_host' must be a string, not Number" },
    };

    [Theory]
    [MemberData(nameof(UnusableProviders))]
    public void A_provider_the_service_cannot_use_is_skipped_with_one_warning_naming_file_model_provider_and_field(string bad, string problem)
    {
        var path = WriteFile(ModelWith("google/gemma", ProviderJson("good-1"), bad, ProviderJson("good-2", host: "http://127.0.0.1:7001")));

        var catalog = ModelsConfigLoader.LoadFile(path);

        Assert.Equal(["good-1", "good-2"], catalog.Providers.Select(p => p.Id));
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, path, "model 'google/gemma'", "provider 'bad'", problem, "skipped");
    }

    [Fact]
    public void A_provider_whose_api_host_is_over_the_name_limit_is_skipped_with_one_warning_that_does_not_quote_it()
    {
        // A long path: an address the address check takes.
        const string server = "http://127.0.0.1:7000/";
        var (atLimit, overLimit) = (LongNames.OfBytes(PairKey.MaxNameBytes, server), LongNames.OfBytes(PairKey.MaxNameBytes + 1, server));
        var path = WriteFile(ModelWith("google/gemma", ProviderJson("at-limit", host: atLimit), ProviderJson("bad", host: overLimit)));

        var catalog = ModelsConfigLoader.LoadFile(path);

        Assert.Equal(["at-limit"], catalog.Providers.Select(p => p.Id));
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, path, "model 'google/gemma'", "provider 'bad'",
            "field 'api_host' is 1,025 bytes long in UTF-8; a model name or host may be at most 1,024, so no pair can name it", "skipped");
        Assert.DoesNotContain("éé", warning);
    }

    [Fact]
    public void The_providers_of_a_model_whose_name_is_over_the_limit_are_skipped_with_one_short_warning_each()
    {
        var overLimit = LongNames.OfBytes(PairKey.MaxNameBytes + 1, "long-");
        // Normalised, this one is 1,024 bytes: a pair can name it.
        var atLimitOnceNormalised = "model: " + LongNames.OfBytes(PairKey.MaxNameBytes, "kept-");
        var path = WriteFile($$"""
            { "g": { "{{overLimit}}": { "providers": [ {{ProviderJson("p1")}}, {{ProviderJson("p2", host: "http://127.0.0.1:7001")}} ] },
                     "{{atLimitOnceNormalised}}": { "providers": [ {{ProviderJson("kept")}} ] } },
              "active_models": { "g": [ "{{overLimit}}", "{{atLimitOnceNormalised}}" ] } }
            """);

        var catalog = ModelsConfigLoader.LoadFile(path);

        Assert.Equal(["kept"], catalog.Providers.Select(p => p.Id));
        Assert.Equal(2, catalog.Warnings.Count);
        foreach (var (warning, provider) in catalog.Warnings.Zip(["p1", "p2"]))
        {
            AssertNames(warning, path, "model 'long-", "(1,025 bytes)", $"provider '{provider}'",
                "the model name is 1,025 bytes long in UTF-8; a model name or host may be at most 1,024, so no pair can name it", "skipped");
            Assert.True(warning.Length < path.Length + 400, warning);
        }
    }

    [Theory]
    [InlineData("1", "Number")]
    [InlineData("\"a provider\"", "String")]
    [InlineData("null", "Null")]
    public void An_entry_that_is_not_an_object_is_skipped_with_a_warning_naming_its_position(string entry, string kind)
    {
        var catalog = Parse(ModelWith("google/gemma", ProviderJson("good-1"), entry));

        Assert.Equal(["good-1"], catalog.Providers.Select(p => p.Id));
        AssertNames(Assert.Single(catalog.Warnings), Source, "google/gemma", "providers[1]", kind, "skipped");
    }

    [Theory]
    [InlineData("{}", "Object")]
    [InlineData("\"none\"", "String")]
    public void A_provider_list_that_is_not_an_array_is_skipped_with_a_warning_and_the_other_list_loads(string list, string kind)
    {
        var json = $$"""
            { "g": { "m": { "providers": {{list}}, "providers_sleep": [ {{ProviderJson("sleeping")}} ] } },
              "active_models": { "g": ["m"] } }
            """;

        var catalog = Parse(json);

        Assert.Equal(["sleeping"], catalog.Providers.Select(p => p.Id));
        AssertNames(Assert.Single(catalog.Warnings), Source, "model 'm'", "'providers'", kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData(", \"id\": \"\"")]
    [InlineData(", \"id\": null")]
    [InlineData(", \"id\": 7")]
    public void A_provider_without_an_id_is_loaded_under_its_position_with_a_warning(string id)
    {
        var catalog = Parse(ModelWith("google/gemma", ProviderJson("good"), $$"""{ "api_type": "vllm", "api_host": "http://127.0.0.1:1"{{id}} }"""));

        Assert.Equal(["good", "providers[1]"], catalog.Providers.Select(p => p.Id));
        Assert.NotNull(catalog.Find("google/gemma", "http://127.0.0.1:1"));
        AssertNames(Assert.Single(catalog.Warnings), Source, "model 'google/gemma', providers[1]", "'id'");
    }

    [Fact]
    public void Providers_sharing_an_id_are_loaded_with_a_warning_since_the_router_refuses_them()
    {
        var json = $$"""
            { "g": { "a": { "providers": [ {{ProviderJson("shared")}} ] },
                     "b": { "providers": [ {{ProviderJson("shared", host: "http://127.0.0.1:7001")}} ] } },
              "active_models": { "g": ["a", "b"] } }
            """;

        var catalog = Parse(json);

        Assert.Equal(["a", "b"], catalog.Providers.Select(p => p.ModelName));
        AssertNames(Assert.Single(catalog.Warnings), Source, "model 'b', provider 'shared'", "'id'", "model 'a'");
    }

    [Fact]
    public void An_id_shared_with_providers_sleep_is_not_a_finding_the_router_checks_providers_only()
    {
        var json = $$"""
            { "g": { "m": { "providers": [ {{ProviderJson("p")}} ], "providers_sleep": [ {{ProviderJson("p", host: "http://127.0.0.1:7001")}} ] } },
              "active_models": { "g": ["m"] } }
            """;

        var catalog = Parse(json);

        Assert.Equal(2, catalog.Providers.Count);
        Assert.Empty(catalog.Warnings);
    }

    // ---- files that cannot be loaded at all ----

    [Fact]
    public void Missing_file_is_an_error_naming_the_file()
    {
        var path = Path.Combine(_directory, "does-not-exist.json");

        var error = Assert.Throws<ModelsConfigException>(() => ModelsConfigLoader.LoadFile(path));

        Assert.Contains(path, error.Message);
        Assert.IsAssignableFrom<IOException>(error.InnerException);
    }

    [Fact]
    public void Directory_instead_of_a_file_is_an_error_naming_it()
    {
        var error = Assert.Throws<ModelsConfigException>(() => ModelsConfigLoader.LoadFile(_directory));

        Assert.Contains(_directory, error.Message);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void Invalid_json_is_an_error_naming_the_file_line_and_position()
    {
        const string json = "{\n  \"g\": {\n    \"m\": { \"providers\" [] }\n  }\n}";

        var error = LoadFails(json);

        Assert.Contains("broken-config.json", error.Message);
        Assert.Contains("line 3", error.Message);
        Assert.Contains("position 24", error.Message); // the "[" where ":" was expected, counted from 1
        Assert.DoesNotContain("LineNumber", error.Message);
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    public void Empty_file_or_a_top_level_that_is_not_an_object_is_an_error_naming_the_file(string json)
    {
        Assert.Contains("broken-config.json", LoadFails(json).Message);
    }

    // ---- secrets ----

    [Fact]
    public void Token_never_appears_in_a_provider_printout_nor_in_warnings()
    {
        var extra = """, "keep_alive_mode": "load", "keep_alive": "forever" """;
        var catalog = Parse(ModelWith("m", ProviderJson(apiType: "tgi", extra: extra)));

        var provider = Assert.Single(catalog.Providers);
        Assert.Equal(Token, provider.ApiToken);
        Assert.DoesNotContain(Token, provider.ToString());
        Assert.Equal(3, catalog.Warnings.Count);
        Assert.All(catalog.Warnings, warning => Assert.DoesNotContain(Token, warning));
    }

    public static TheoryData<string> ProvidersWithATokenThatAreSkipped => new()
    {
        ModelWith("m", $$"""{ "id": "p", "api_type": "vllm", "api_token": "{{Token}}" }"""),
        ModelWith("m", $$"""{ "id": "p", "api_host": "http://h", "api_token": ["{{Token}}"] }"""),
        ModelWith("m", $$"""{ "id": "p", "api_host": "http://h", "api_token": { "value": "{{Token}}" } }"""),
        ModelWith("m", $$"""{ "id": "p", "api_host": 1, "api_token": "{{Token}}" }"""),
    };

    [Theory]
    [MemberData(nameof(ProvidersWithATokenThatAreSkipped))]
    public void Token_never_appears_in_the_warning_of_a_skipped_provider(string json)
    {
        var catalog = Parse(json);

        Assert.Empty(catalog.Providers);
        Assert.DoesNotContain(Token, Assert.Single(catalog.Warnings));
    }

    public static TheoryData<string> FilesWithATokenThatFailToLoad => new()
    {
        $$"""{ "g": { "m": { "providers": [ { "id": "p", "api_token": "{{Token}}""",
        $$"""{ "g": { "m": { "providers": [ { "id": "p", "api_token": "{{Token}}" "api_host": "http://h" } ] } } }""",
        $$"""{ "g": { "m": { "providers": [ { "id": "p", "api_host": "http://h", "api_token": {{Token}} } ] } } }""",
    };

    [Theory]
    [MemberData(nameof(FilesWithATokenThatFailToLoad))]
    public void Token_never_appears_in_an_error(string json)
    {
        var error = LoadFails(json);

        Assert.DoesNotContain(Token, error.Message);
        Assert.DoesNotContain(Token, error.ToString());
    }

    private static void AssertNames(string message, string file, params string[] parts)
    {
        Assert.StartsWith(file + ": ", message);
        foreach (var part in parts) Assert.Contains(part, message);
    }

    // The sample lives at the repository root, above the test binaries.
    private static string SamplePath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "models-config.json");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("samples/models-config.json not found above " + AppContext.BaseDirectory);
    }
}
