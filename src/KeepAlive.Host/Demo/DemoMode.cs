using Akka.Actor;
using Akka.Hosting;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;
using KeepAlive.Fakes;
using KeepAlive.Host.Config;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Host.Demo;

/// <summary>
/// <c>--demo</c>: two fake model hosts on loopback and three pairs with short keep-alives, so a new user
/// sees pings within seconds. Two models share <see cref="Gpu1"/>: the one used last occupies the host,
/// so the other one's due ping is skipped as "host busy" — the rule that protects a serving model.
/// </summary>
public sealed class DemoMode : IAsyncDisposable
{
    private DemoMode(FakeModelServer gpu1, FakeModelServer gpu2)
    {
        Gpu1 = gpu1;
        Gpu2 = gpu2;
        // Through the real loader, so the demo's pairs are configured exactly as a user's file would be.
        Catalog = ModelsConfigLoader.Parse(ModelsConfigJson(gpu1.Host, gpu2.Host), "built-in demo models-config");
        Usages =
        [
            new RecordUsage("demo/llama-3.1-8b", gpu1.Host, "4s"),
            new RecordUsage("demo/qwen-2.5-7b", gpu1.Host, "6s"),
            new RecordUsage("demo/gemma-3-4b", gpu2.Host, "5s"),
        ];
    }

    /// <summary>
    /// Every keep-alive line, pings included (Debug), and only Akka's warnings, so the demo's [keep-alive] lines stand
    /// out; a <c>Logging:LogLevel</c> key the user sets wins.
    /// </summary>
    public static void DefaultLogLevels(IConfiguration configuration)
    {
        ConsoleLogging.DefaultLevel(configuration, "KeepAlive", LogLevel.Debug);
        ConsoleLogging.DefaultLevel(configuration, "Akka", LogLevel.Warning);
    }

    /// <summary>A vLLM-compatible host serving two models.</summary>
    public FakeModelServer Gpu1 { get; }

    /// <summary>An Ollama host serving one model.</summary>
    public FakeModelServer Gpu2 { get; }

    public ProviderCatalog Catalog { get; }

    /// <summary>The usage the demo reports at start, as a router would.</summary>
    public IReadOnlyList<RecordUsage> Usages { get; }

    public static async Task<DemoMode> StartAsync() => new(await FakeModelServer.StartAsync(), await FakeModelServer.StartAsync());

    /// <summary>Once the pair region is up, records the demo usage and says what to watch for.</summary>
    public async Task RecordUsageAsync(IReadOnlyActorRegistry registry, ILogger log, CancellationToken cancellation)
    {
        var region = await registry.GetAsync<PairRegion>(cancellation);
        log.LogInformation(
            "[keep-alive] demo: fake vLLM host {Gpu1} serves two models, fake Ollama host {Gpu2} one; " +
            "expect pings every few seconds and 'skipped: host busy' for the model that does not occupy {Gpu1}",
            Gpu1.Host, Gpu2.Host, Gpu1.Host);
        foreach (var usage in Usages)
        {
            region.Tell(usage);
            log.LogInformation("[keep-alive] demo: usage of {Model} at {Host}, keep_alive {KeepAlive}", usage.Pair.Model, usage.Pair.Host, usage.KeepAlive);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gpu1.DisposeAsync();
        await Gpu2.DisposeAsync();
    }

    private static string ModelsConfigJson(string gpu1, string gpu2) => $$"""
        {
          "demo_models": {
            "demo/llama-3.1-8b": { "providers": [ { "id": "llama-gpu1", "api_type": "vllm", "api_host": "{{gpu1}}", "api_token": "", "model_path": "", "keep_alive": "4s" } ] },
            "demo/qwen-2.5-7b": { "providers": [ { "id": "qwen-gpu1", "api_type": "vllm", "api_host": "{{gpu1}}", "api_token": "", "model_path": "", "keep_alive": "6s" } ] },
            "demo/gemma-3-4b": { "providers": [ { "id": "gemma-gpu2", "api_type": "ollama", "api_host": "{{gpu2}}", "api_token": "", "model_path": "gemma3:4b", "keep_alive": "5s" } ] }
          },
          "active_models": { "demo_models": [ "demo/llama-3.1-8b", "demo/qwen-2.5-7b", "demo/gemma-3-4b" ] }
        }
        """;
}
