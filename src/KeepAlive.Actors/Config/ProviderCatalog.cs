using KeepAlive.Actors.Pairs;

namespace KeepAlive.Actors.Config;

/// <summary>Immutable snapshot of models-config.json: the providers the service may ping.</summary>
public sealed class ProviderCatalog
{
    public static ProviderCatalog Empty { get; } = new(Array.Empty<ProviderConfig>(), Array.Empty<string>(), null);

    // Find runs on every ping, so the lookup is indexed once here by the normalised (model, host) pair.
    private readonly Dictionary<(string Model, string Host), ProviderConfig> _byModelAndHost;

    public ProviderCatalog(IReadOnlyList<ProviderConfig> providers, IReadOnlyList<string> warnings, string? source)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(warnings);

        // Copies, so a caller that keeps mutating its lists cannot change a published snapshot.
        Providers = providers.ToArray();
        Warnings = warnings.ToArray();
        Source = source;
        _byModelAndHost = Index(Providers);
    }

    public IReadOnlyList<ProviderConfig> Providers { get; }

    /// <summary>Non-fatal findings of the load (unknown api_type, invalid keep_alive, ...), each naming file, model and field.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The file this snapshot was read from, when it came from a file.</summary>
    public string? Source { get; }

    /// <summary>The provider serving <paramref name="modelName"/> on <paramref name="host"/> (a leading <c>model:</c> and spaces, and a trailing <c>/</c> of the host, do not matter), or null.</summary>
    public ProviderConfig? Find(string modelName, string host) =>
        _byModelAndHost.GetValueOrDefault(KeyOf(modelName, host));

    private static Dictionary<(string Model, string Host), ProviderConfig> Index(IEnumerable<ProviderConfig> providers)
    {
        var index = new Dictionary<(string Model, string Host), ProviderConfig>();
        foreach (var provider in providers)
        {
            // The Python router's lookup takes the first provider with a matching host, so the first one wins here too.
            index.TryAdd(KeyOf(provider.ModelName, provider.ApiHost), provider);
        }
        return index;
    }

    private static (string Model, string Host) KeyOf(string modelName, string host) =>
        (PairKey.NormalizeModel(modelName), PairKey.NormalizeHost(host));
}

/// <summary>Holds the current catalog; a reload swaps it atomically and readers never see half a file.</summary>
public sealed class ProviderCatalogHolder
{
    private ProviderCatalog _current;

    public ProviderCatalogHolder(ProviderCatalog initial) => _current = initial;

    public ProviderCatalog Current => Volatile.Read(ref _current);

    public void Replace(ProviderCatalog next) => Volatile.Write(ref _current, next);
}
