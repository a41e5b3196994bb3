namespace KeepAlive.Actors.Config;

/// <summary>A models-config file that cannot be used; the message names the file, the model and the field.</summary>
public sealed class ModelsConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads the router's models-config.json format.</summary>
public static class ModelsConfigLoader
{
    /// <exception cref="ModelsConfigException">unreadable file, invalid JSON, provider without api_host, duplicate id in a model.</exception>
    public static ProviderCatalog LoadFile(string path) => throw new NotImplementedException();

    /// <param name="source">Named in every error and warning (usually the file path).</param>
    public static ProviderCatalog Parse(string json, string source) => throw new NotImplementedException();
}
