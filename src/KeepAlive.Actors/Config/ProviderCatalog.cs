namespace KeepAlive.Actors.Config;

/// <summary>Immutable snapshot of models-config.json: the providers the service may ping.</summary>
public sealed class ProviderCatalog
{
    public static ProviderCatalog Empty { get; } = new(Array.Empty<ProviderConfig>(), Array.Empty<string>(), null);

    public ProviderCatalog(IReadOnlyList<ProviderConfig> providers, IReadOnlyList<string> warnings, string? source)
    {
        throw new NotImplementedException();
    }

    public IReadOnlyList<ProviderConfig> Providers => throw new NotImplementedException();

    /// <summary>Non-fatal findings of the load (unknown api_type, invalid keep_alive, ...), each naming file, model and field.</summary>
    public IReadOnlyList<string> Warnings => throw new NotImplementedException();

    /// <summary>The file this snapshot was read from, when it came from a file.</summary>
    public string? Source => throw new NotImplementedException();

    /// <summary>The provider serving <paramref name="modelName"/> on <paramref name="host"/> (DESIGN §2 lookup), or null.</summary>
    public ProviderConfig? Find(string modelName, string host) => throw new NotImplementedException();
}

/// <summary>Holds the current catalog; a reload swaps it atomically and readers never see half a file.</summary>
public sealed class ProviderCatalogHolder
{
    private ProviderCatalog _current;

    public ProviderCatalogHolder(ProviderCatalog initial) => _current = initial;

    public ProviderCatalog Current => Volatile.Read(ref _current);

    public void Replace(ProviderCatalog next) => Volatile.Write(ref _current, next);
}
