using System.Text.Json;
using KeepAlive.Actors.Config;
using Xunit;

namespace KeepAlive.Actors.Tests.Config;

public sealed class ModelsConfigLoaderSpecs : IDisposable
{
    private const string Token = "sk-SECRET-token-4711";

    private readonly string _directory = Directory.CreateTempSubdirectory("keepalive-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string json, string name = "models-config.json")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>One model holding the given provider objects (JSON text) under "providers".</summary>
    private static string ModelWith(string model, params string[] providers) =>
        $$"""{ "google_models": { "{{model}}": { "providers": [ {{string.Join(", ", providers)}} ] } } }""";

    private static string ProviderJson(string id = "p1", string apiType = "vllm", string extra = "") =>
        $$"""{ "id": "{{id}}", "api_type": "{{apiType}}", "api_host": "http://127.0.0.1:7000/", "api_token": "{{Token}}", "keep_alive": "2m"{{extra}} }""";

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
        Assert.All(catalog.Providers, p => Assert.IsType<KeepAliveSetting.Every>(KeepAliveDuration.Parse(p.KeepAlive)));
    }

    [Fact]
    public void Loaded_file_is_named_as_the_catalog_source()
    {
        var path = WriteFile(ModelWith("m", ProviderJson()));

        Assert.Equal(path, ModelsConfigLoader.LoadFile(path).Source);
    }

    [Fact]
    public void Providers_sleep_are_loaded_too()
    {
        const string json = """
            { "g": { "m": {
                "providers": [ { "id": "awake", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ],
                "providers_sleep": [ { "id": "asleep", "api_type": "ollama", "api_host": "http://127.0.0.1:2" } ] },
              "only-sleeping": {
                "providers_sleep": [ { "id": "asleep", "api_type": "ollama", "api_host": "http://127.0.0.1:3" } ] } } }
            """;

        var catalog = ModelsConfigLoader.Parse(json, "f.json");

        Assert.Equal(["awake", "asleep", "asleep"], catalog.Providers.Select(p => p.Id));
        Assert.NotNull(catalog.Find("m", "http://127.0.0.1:2"));
        Assert.NotNull(catalog.Find("only-sleeping", "http://127.0.0.1:3"));
    }

    [Fact]
    public void Top_level_keys_that_are_not_objects_of_models_are_ignored()
    {
        const string json = """
            {
              "active_models": { "google_models": ["m"], "other": [] },
              "version": 2, "comment": "x", "flags": [1, 2], "nothing": null,
              "settings": { "retries": 3, "names": { "a": "b" } },
              "google_models": { "m": { "providers": [ { "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ] } }
            }
            """;

        var catalog = ModelsConfigLoader.Parse(json, "f.json");

        Assert.Equal(["p"], catalog.Providers.Select(p => p.Id));
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Model_without_providers_is_skipped()
    {
        const string json = """
            { "g": { "no-providers": { "description": "retired" },
                     "m": { "providers": [ { "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1" } ] } } }
            """;

        var catalog = ModelsConfigLoader.Parse(json, "f.json");

        Assert.Equal(["m"], catalog.Providers.Select(p => p.ModelName));
    }

    [Fact]
    public void Absent_token_path_keep_alive_and_mode_take_their_defaults()
    {
        var catalog = ModelsConfigLoader.Parse(ModelWith("m", """{ "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1" }"""), "f.json");

        var provider = Assert.Single(catalog.Providers);
        Assert.Equal("", provider.ApiToken);
        Assert.Equal("", provider.ModelPath);
        Assert.Null(provider.KeepAlive);
        Assert.Equal(KeepAliveMode.Chat, provider.Mode);
        Assert.Empty(catalog.Warnings);
    }

    [Fact]
    public void Model_names_are_stored_normalised()
    {
        var catalog = ModelsConfigLoader.Parse(ModelWith("  model: google/gemma  ", ProviderJson()), "f.json");

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
        var json = ModelWith("m", $$"""{ "id": "p", "api_type": "vllm", "api_host": "http://127.0.0.1:1", "keep_alive": {{jsonValue}} }""");

        var catalog = ModelsConfigLoader.Parse(json, "f.json");

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
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, path, "google/gemma", "keep_alive");
        Assert.Contains("gemma-a", warning);
        Assert.Contains(expectedRaw, warning);
    }

    [Theory]
    [InlineData("\"load\"", KeepAliveMode.Load)]
    [InlineData("\"LOAD\"", KeepAliveMode.Load)]
    [InlineData("\"chat\"", KeepAliveMode.Chat)]
    [InlineData("null", KeepAliveMode.Chat)]
    public void Keep_alive_mode_is_read_case_insensitively(string jsonValue, KeepAliveMode expected)
    {
        var json = ModelWith("m", $$"""{ "id": "p", "api_type": "ollama", "api_host": "http://127.0.0.1:1", "keep_alive_mode": {{jsonValue}} }""");

        var catalog = ModelsConfigLoader.Parse(json, "f.json");

        Assert.Equal(expected, Assert.Single(catalog.Providers).Mode);
        Assert.Empty(catalog.Warnings);
    }

    [Theory]
    [InlineData("\"sleep\"")]
    [InlineData("\"\"")]
    [InlineData("1")]
    [InlineData("true")]
    public void Unknown_keep_alive_mode_is_an_error_naming_file_model_and_field(string jsonValue)
    {
        var error = LoadFails(ModelWith("google/gemma", ProviderJson(extra: $$""", "keep_alive_mode": {{jsonValue}}""")));

        AssertNames(error.Message, "broken-config.json", "google/gemma", "keep_alive_mode");
    }

    [Theory]
    [InlineData("vllm")]
    [InlineData("openai")]
    [InlineData("VLLM")]
    [InlineData("OpenAI")]
    public void Load_mode_on_a_provider_that_is_not_ollama_loads_with_a_warning(string apiType)
    {
        var path = WriteFile(ModelWith("google/gemma", ProviderJson("gemma-a", apiType, extra: """, "keep_alive_mode": "load" """)));

        var catalog = ModelsConfigLoader.LoadFile(path);

        Assert.Equal(KeepAliveMode.Load, Assert.Single(catalog.Providers).Mode);
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, path, "google/gemma", "keep_alive_mode");
        Assert.Contains("gemma-a", warning);
    }

    [Theory]
    [InlineData("tgi")]
    [InlineData("")]
    public void Unknown_api_type_loads_with_a_warning_naming_file_model_provider_and_field(string apiType)
    {
        var path = WriteFile(ModelWith("google/gemma", ProviderJson("gemma-a", apiType)));

        var catalog = ModelsConfigLoader.LoadFile(path);

        Assert.Equal(apiType, Assert.Single(catalog.Providers).ApiType);
        var warning = Assert.Single(catalog.Warnings);
        AssertNames(warning, path, "google/gemma", "api_type");
        Assert.Contains("gemma-a", warning);
    }

    [Fact]
    public void Missing_api_type_loads_with_a_warning_naming_the_field()
    {
        var catalog = ModelsConfigLoader.Parse(ModelWith("m", """{ "id": "p", "api_host": "http://127.0.0.1:1" }"""), "f.json");

        Assert.Equal("", Assert.Single(catalog.Providers).ApiType);
        Assert.Contains("api_type", Assert.Single(catalog.Warnings));
    }

    [Theory]
    [InlineData("vllm")]
    [InlineData("OLLAMA")]
    [InlineData("OpenAI")]
    public void Known_api_types_are_recognised_case_insensitively(string apiType)
    {
        Assert.Empty(ModelsConfigLoader.Parse(ModelWith("m", ProviderJson(apiType: apiType)), "f.json").Warnings);
    }

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

    [Theory]
    [InlineData("")]
    [InlineData(", \"api_host\": null")]
    [InlineData(", \"api_host\": \"\"")]
    [InlineData(", \"api_host\": \"   \"")]
    public void Provider_without_api_host_is_an_error_naming_file_model_and_field(string apiHost)
    {
        var error = LoadFails(ModelWith("google/gemma", $$"""{ "id": "gemma-a", "api_type": "vllm"{{apiHost}} }"""));

        AssertNames(error.Message, "broken-config.json", "google/gemma", "api_host");
        Assert.Contains("gemma-a", error.Message);
    }

    [Theory]
    [InlineData("10.0.0.5:7000")]
    [InlineData("ftp://10.0.0.5/")]
    [InlineData("not a url")]
    public void Provider_whose_api_host_is_not_an_http_address_is_an_error_naming_file_model_and_field(string apiHost)
    {
        var error = LoadFails(ModelWith("google/gemma", $$"""{ "id": "gemma-a", "api_type": "vllm", "api_host": "{{apiHost}}" }"""));

        AssertNames(error.Message, "broken-config.json", "google/gemma", "api_host");
        Assert.Contains("http", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(", \"id\": \"\"")]
    [InlineData(", \"id\": null")]
    public void Provider_without_id_is_an_error_naming_file_model_and_field(string id)
    {
        var error = LoadFails(ModelWith("google/gemma", $$"""{ "api_type": "vllm", "api_host": "http://127.0.0.1:1"{{id}} }"""));

        AssertNames(error.Message, "broken-config.json", "google/gemma", "'id'");
    }

    [Fact]
    public void Two_providers_with_the_same_id_in_one_model_is_an_error_naming_file_model_and_field()
    {
        var error = LoadFails(ModelWith("google/gemma", ProviderJson("gemma-a"), ProviderJson("gemma-a")));

        AssertNames(error.Message, "broken-config.json", "google/gemma", "'id'");
        Assert.Contains("gemma-a", error.Message);
    }

    [Fact]
    public void Same_id_in_providers_and_providers_sleep_of_one_model_is_an_error()
    {
        var json = $$"""{ "g": { "google/gemma": { "providers": [ {{ProviderJson("gemma-a")}} ], "providers_sleep": [ {{ProviderJson("gemma-a")}} ] } } }""";

        var error = LoadFails(json);

        AssertNames(error.Message, "broken-config.json", "google/gemma", "'id'");
    }

    [Fact]
    public void Same_id_in_two_models_is_allowed()
    {
        var json = $$"""{ "g": { "a": { "providers": [ {{ProviderJson("p")}} ] }, "b": { "providers": [ {{ProviderJson("p")}} ] } } }""";

        Assert.Equal(2, ModelsConfigLoader.Parse(json, "f.json").Providers.Count);
    }

    [Theory]
    [InlineData("\"providers\": {}", "providers")]
    [InlineData("\"providers\": [ 1 ]", "providers[0]")]
    [InlineData("\"providers\": [ { \"id\": \"p\", \"api_host\": 7000 } ]", "api_host")]
    [InlineData("\"providers\": [ { \"id\": \"p\", \"api_host\": \"http://h\", \"model_path\": [] } ]", "model_path")]
    public void Wrong_json_type_is_an_error_naming_file_model_and_field(string modelBody, string field)
    {
        var error = LoadFails($$"""{ "g": { "google/gemma": { {{modelBody}} } } }""");

        AssertNames(error.Message, "broken-config.json", "google/gemma", field);
    }

    [Fact]
    public void Token_never_appears_in_a_provider_printout_nor_in_warnings()
    {
        var extra = """, "keep_alive_mode": "load", "keep_alive": "forever" """;
        var catalog = ModelsConfigLoader.Parse(ModelWith("m", ProviderJson(apiType: "tgi", extra: extra)), "f.json");

        var provider = Assert.Single(catalog.Providers);
        Assert.Equal(Token, provider.ApiToken);
        Assert.DoesNotContain(Token, provider.ToString());
        Assert.Equal(3, catalog.Warnings.Count);
        Assert.All(catalog.Warnings, warning => Assert.DoesNotContain(Token, warning));
    }

    public static TheoryData<string> FilesWithATokenThatFailToLoad => new()
    {
        ModelWith("m", $$"""{ "id": "p", "api_type": "vllm", "api_token": "{{Token}}" }"""),
        ModelWith("m", ProviderJson("p"), ProviderJson("p")),
        ModelWith("m", ProviderJson(extra: """, "keep_alive_mode": "sleep" """)),
        ModelWith("m", $$"""{ "id": "p", "api_host": "http://h", "api_token": ["{{Token}}"] }"""),
        ModelWith("m", $$"""{ "id": "p", "api_host": "http://h", "api_token": {{Token}} }"""),
        $$"""{ "g": { "m": { "providers": [ { "id": "p", "api_token": "{{Token}}""",
        $$"""{ "g": { "m": { "providers": [ { "id": "p", "api_token": "{{Token}}" "api_host": "http://h" } ] } } }""",
    };

    [Theory]
    [MemberData(nameof(FilesWithATokenThatFailToLoad))]
    public void Token_never_appears_in_an_error(string json)
    {
        var error = LoadFails(json);

        Assert.DoesNotContain(Token, error.Message);
        Assert.DoesNotContain(Token, error.ToString());
    }

    private static void AssertNames(string message, string file, string model, string field)
    {
        Assert.Contains(file, message);
        Assert.Contains(model, message);
        Assert.Contains(field, message);
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
