using System.Text.Json;
using Xunit;

namespace KeepAlive.Actors.Tests.Pinging;

/// <summary>Field-by-field checks of the ping bodies <see cref="KeepAlive.Actors.Pinging.PingRequestFactory"/> builds per api_type.</summary>
internal static class PingBodyAssert
{
    /// <summary>The original KeepAlive's defaults, written out here so a changed default fails a test.</summary>
    public const string OriginalPrompt = "Send an empty message.";

    public const int OriginalMaxTokens = 56;

    public static void Chat(
        JsonElement body, string model, string prompt, string? ollamaKeepAlive = null, int maxTokens = OriginalMaxTokens, decimal temperature = 0.0m)
    {
        string[] fields = ollamaKeepAlive is null
            ? ["stream", "model", "messages", "max_tokens", "temperature"]
            : ["stream", "model", "messages", "max_tokens", "temperature", "keep_alive"];
        Assert.Equal(fields.Order(), FieldNames(body));
        Assert.Equal(JsonValueKind.False, body.GetProperty("stream").ValueKind);
        Assert.Equal(model, body.GetProperty("model").GetString());
        var message = Assert.Single(body.GetProperty("messages").EnumerateArray());
        Assert.Equal(["content", "role"], FieldNames(message));
        Assert.Equal("user", message.GetProperty("role").GetString());
        Assert.Equal(prompt, message.GetProperty("content").GetString());
        Assert.Equal(maxTokens, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(temperature, body.GetProperty("temperature").GetDecimal());
        if (ollamaKeepAlive is not null) Assert.Equal(ollamaKeepAlive, body.GetProperty("keep_alive").GetString());
    }

    public static void Load(JsonElement body, string model, string keepAlive)
    {
        Assert.Equal(["keep_alive", "model"], FieldNames(body));
        Assert.Equal(model, body.GetProperty("model").GetString());
        Assert.Equal(keepAlive, body.GetProperty("keep_alive").GetString());
    }

    private static IEnumerable<string> FieldNames(JsonElement json) =>
        json.EnumerateObject().Select(p => p.Name).Order();
}
