using KeepAlive.Actors.Config;

namespace KeepAlive.Host.Config;

/// <summary>
/// Reloads models-config.json when it changes, without a restart. Editors save in bursts (truncate,
/// write, rename), so a reload waits until the file has been quiet for <see cref="Debounce"/>. A valid
/// file replaces the catalog atomically; an invalid one keeps the previous catalog and logs one error.
/// </summary>
public sealed class ModelsConfigWatcher(string path, ProviderCatalogHolder catalog, ILogger<ModelsConfigWatcher> log) : IHostedService, IDisposable
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly string _path = Path.GetFullPath(path);
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _debounce = new Timer(_ => Reload());
        // The directory is watched, not the file: a save by rename replaces the file the watcher would hold.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Changed();
        _watcher.Created += (_, _) => Changed();
        _watcher.Renamed += (_, _) => Changed();
        _watcher.EnableRaisingEvents = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_watcher is not null) _watcher.EnableRaisingEvents = false;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
    }

    private void Changed() => _debounce?.Change(Debounce, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        try
        {
            var next = ModelsConfigLoader.LoadFile(_path);
            catalog.Replace(next);
            foreach (var warning in next.Warnings) log.LogWarning("[keep-alive] {Warning}", warning);
            log.LogInformation("[keep-alive] models-config reloaded: {Count} provider(s) from {File}", next.Providers.Count, _path);
        }
        catch (ModelsConfigException ex)
        {
            log.LogError("[keep-alive] models-config {File} changed but was not reloaded, the previous catalog stays: {Reason}", _path, ex.Message);
        }
    }
}
