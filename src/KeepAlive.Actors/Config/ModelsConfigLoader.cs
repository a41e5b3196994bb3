using System.Text.Json;

namespace KeepAlive.Actors.Config;

/// <summary>A models-config file that cannot be read at all: unreadable, or not JSON. The message names the file.</summary>
public sealed class ModelsConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Which models of a models-config file are loaded.</summary>
public enum ModelSelection
{
    /// <summary>The models listed under <c>active_models</c>, as the router loads them.</summary>
    ActiveModels,

    /// <summary>Every model of every group, whatever <c>active_models</c> says (<c>--all-models</c>).</summary>
    AllModels,
}

/// <summary>
/// Reads the router's models-config.json format. Whatever the router starts with, this loads: a provider
/// the service cannot use is skipped with one warning naming the file, the model, the provider and the field,
/// and only a file that cannot be read or is not a JSON object is refused.
/// </summary>
public static class ModelsConfigLoader
{
    /// <exception cref="ModelsConfigException">unreadable file, invalid JSON, or a top level that is not an object.</exception>
    public static ProviderCatalog LoadFile(string path, ModelSelection selection = ModelSelection.ActiveModels) =>
        Parse(ReadFile(path), path, selection);

    /// <param name="source">Named in every error and warning (usually the file path).</param>
    /// <exception cref="ModelsConfigException">invalid JSON, or a top level that is not an object.</exception>
    public static ProviderCatalog Parse(string json, string source, ModelSelection selection = ModelSelection.ActiveModels)
    {
        using var document = ParseJson(json, source);
        // The router cannot start on such a file either: it holds no model groups at all.
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelsConfigException($"{source}: the top level must be a JSON object of model groups, not {document.RootElement.ValueKind}");

        var warnings = new ConfigWarnings(source);
        var models = ModelDefinitions.Select(document.RootElement, selection, warnings);
        var providers = ProvidersReader.Read(models, warnings);
        return new ProviderCatalog(providers, warnings.All, source);
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

/// <summary>The non-fatal findings of one load, each starting with the file's name.</summary>
/// <remarks>No finding may quote <c>api_token</c>: they end up in logs.</remarks>
internal sealed class ConfigWarnings(string source)
{
    private readonly List<string> _all = [];

    public IReadOnlyList<string> All => _all;

    /// <param name="at">Where in the file, e.g. <c>model 'm', provider 'p'</c>.</param>
    public void Field(string at, string field, string problem) => _all.Add($"{source}: {at}: field '{field}' {problem}");

    public void Add(string at, string problem) => _all.Add($"{source}: {at}: {problem}");
}
