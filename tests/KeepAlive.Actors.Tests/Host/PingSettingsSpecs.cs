using KeepAlive.Actors.Tests.Api;
using KeepAlive.Actors.Tests.Fixtures;
using KeepAlive.Actors.Tests.Pinging;
using Xunit;

namespace KeepAlive.Actors.Tests.Host;

/// <summary>--ping-prompt, --ping-max-tokens and --ping-temperature, from the command line to the model server's request body.</summary>
public sealed class PingSettingsSpecs
{
    [Fact]
    public async Task Ping_flags_set_the_body_that_reaches_the_model_server()
    {
        await using var vllm = await FakeModelServer.StartAsync();
        await using var ollama = await FakeModelServer.StartAsync();
        var config = ApiHost.WriteModelsConfig([new TestProvider("chatty", vllm), new TestProvider("llama", ollama, ApiType: "ollama")]);
        await using var host = await HostProcess.StartAsync(
            ["--models-config", config, "--ping-prompt", "Answer with OK.", "--ping-max-tokens", "4", "--ping-temperature", "0.25"]);
        await host.WaitUntilReadyAsync();

        await host.PostUsageAsync("chatty", vllm.Host, "1s");
        await host.PostUsageAsync("llama", ollama.Host, "1s");

        var chat = (await vllm.WaitForRequestsAsync(r => r.Model == "chatty", timeout: ApiHost.Patience))[0];
        PingBodyAssert.Chat(chat.Body!.Value, "chatty", "Answer with OK.", maxTokens: 4, temperature: 0.25m);
        var ollamaChat = (await ollama.WaitForRequestsAsync(r => r.Model == "llama", timeout: ApiHost.Patience))[0];
        PingBodyAssert.Chat(ollamaChat.Body!.Value, "llama", "Answer with OK.", ollamaKeepAlive: "61s", maxTokens: 4, temperature: 0.25m);
    }
}
