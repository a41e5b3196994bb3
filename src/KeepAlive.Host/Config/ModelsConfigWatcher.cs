using KeepAlive.Actors.Config;

namespace KeepAlive.Host.Config;

/// <summary>
/// Reloads models-config.json when it changes, without a restart. Editors save in bursts (truncate,
/// write, rename), so a reload waits until the file has been quiet for <see cref="Debounce"/>. A file loaded
/// by the start's rules replaces the catalog atomically, its warnings logged again; one that cannot be read or
/// is not JSON keeps the previous catalog and logs one error.
/// </summary>
public sealed class ModelsConfigWatcher(ModelsConfigFile file, ProviderCatalogHolder catalog, ILogger<ModelsConfigWatcher> log) : IHostedService, IDisposable
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly ModelsConfigFile _file = file with { Path = Path.GetFullPath(file.Path) };
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _debounce = new Timer(_ => Reload());
        // The directory is watched, not the file: a save by rename replaces the file the watcher would hold.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_file.Path)!, Path.GetFileName(_file.Path))
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
            catalog.Replace(_file.Load(log, "models-config reloaded:"));
        }
        catch (ModelsConfigException ex)
        {
            log.LogError("[keep-alive] models-config {File} changed but was not reloaded, the previous catalog stays: {Reason}", _file.Path, ex.Message);
        }
    }
}
