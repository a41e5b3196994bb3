using KeepAlive.Actors.Config;

namespace KeepAlive.Host.Config;

/// <summary>
/// The models-config file the host runs on (<c>--models-config</c>, <c>--all-models</c>), loaded by the same
/// rules at start and at every reload, with every warning of the load logged.
/// </summary>
public sealed record ModelsConfigFile(string Path, ModelSelection Selection)
{
    /// <summary>The file the options name; null when they name none.</summary>
    public static ModelsConfigFile? From(KeepAliveHostOptions options) =>
        string.IsNullOrWhiteSpace(options.ModelsConfig)
            ? null
            : new ModelsConfigFile(options.ModelsConfig, options.AllModels ? ModelSelection.AllModels : ModelSelection.ActiveModels);

    /// <summary>Loads the file, logs its warnings and one line <c>{summary} N provider(s) from {file}</c>.</summary>
    /// <exception cref="ModelsConfigException">the file cannot be read or is not a JSON object.</exception>
    public ProviderCatalog Load(ILogger log, string summary)
    {
        var catalog = ModelsConfigLoader.LoadFile(Path, Selection);
        foreach (var warning in catalog.Warnings) log.LogWarning("[keep-alive] {Warning}", warning);
        log.LogInformation("[keep-alive] {Summary} {Count} provider(s) from {File}", summary, catalog.Providers.Count, catalog.Source);
        return catalog;
    }
}
