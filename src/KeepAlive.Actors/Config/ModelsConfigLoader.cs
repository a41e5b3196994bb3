using System.Text.Json;

namespace KeepAlive.Actors.Config;

/// <summary>A models-config file that cannot be used; the message names the file, the model and the field.</summary>
public sealed class ModelsConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads the router's models-config.json format.</summary>
public static class ModelsConfigLoader
{
    /// <exception cref="ModelsConfigException">unreadable file, invalid JSON, provider without api_host, duplicate id in a model.</exception>
    public static ProviderCatalog LoadFile(string path) => Parse(ReadFile(path), path);

    /// <param name="source">Named in every error and warning (usually the file path).</param>
    public static ProviderCatalog Parse(string json, string source)
    {
        using var document = ParseJson(json, source);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelsConfigException($"{source}: the top level must be a JSON object of model groups, not {document.RootElement.ValueKind}");

        var reader = new CatalogReader(source);
        reader.ReadGroups(document.RootElement);
        return new ProviderCatalog(reader.Providers, reader.Warnings, source);
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ModelsConfigException($"{path}: cannot read the models config: {ex.Message}", ex);
        }
    }

    private static JsonDocument ParseJson(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber + 1 ?? 0;
            var position = ex.BytePositionInLine + 1 ?? 0;
            throw new ModelsConfigException($"{source}: invalid JSON at line {line}, position {position}: {WithoutLocation(ex.Message)}", ex);
        }
    }

    // The reader appends its own zero-based "LineNumber: .. | BytePositionInLine: .." which would contradict ours.
    private static string WithoutLocation(string message)
    {
        var location = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return location < 0 ? message : message[..location];
    }
}
