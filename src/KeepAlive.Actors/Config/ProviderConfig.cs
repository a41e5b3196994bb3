namespace KeepAlive.Actors.Config;

/// <summary>How a provider is warmed.</summary>
public enum KeepAliveMode
{
    /// <summary>A tiny chat completion (the Python router's keep-alive request).</summary>
    Chat,

    /// <summary>Ollama only: <c>POST /api/generate</c> with <c>model</c> and <c>keep_alive</c>, which loads without generating.</summary>
    Load,
}

/// <summary>One entry of a model's <c>providers</c> (or <c>providers_sleep</c>) list in models-config.json.</summary>
/// <param name="ModelName">The configured model name (the key under its group), normalised as in <c>PairKey</c>.</param>
/// <param name="KeepAlive">The raw keep_alive value; <c>null</c> when absent or falsy in the file.</param>
public sealed record ProviderConfig(
    string ModelName,
    string Id,
    string ApiType,
    string ApiHost,
    string ApiToken,
    string ModelPath,
    string? KeepAlive,
    KeepAliveMode Mode)
{
    /// <summary>The name sent to the API: <c>model_path</c> when non-empty, else the configured model name.</summary>
    public string ApiModelName => string.IsNullOrWhiteSpace(ModelPath) ? ModelName : ModelPath;

    // Records print every property; the token must never reach a log line or an exception message.
    public override string ToString() =>
        $"ProviderConfig {{ ModelName = {ModelName}, Id = {Id}, ApiType = {ApiType}, ApiHost = {ApiHost}, " +
        $"ApiToken = {(ApiToken.Length == 0 ? "<none>" : "<redacted>")}, ModelPath = {ModelPath}, KeepAlive = {KeepAlive}, Mode = {Mode} }}";
}
