using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Host.Config;
using StackExchange.Redis;

var arguments = CommandLine.Normalize(args);
var builder = WebApplication.CreateBuilder(arguments);
builder.Configuration.AddCommandLine(arguments, CommandLine.SwitchMappings.ToDictionary());
var options = builder.Configuration.GetSection(KeepAliveHostOptions.Section).Get<KeepAliveHostOptions>() ?? new KeepAliveHostOptions();

using var startupLogging = LoggerFactory.Create(logging => logging.AddConsole());
var startupLog = startupLogging.CreateLogger("KeepAlive.Host");

KeepAliveSettings settings;
SchedulerSettings schedulerSettings;
ProviderCatalog catalog;
SplitBrainResolverOption splitBrainResolver;
string stableAfter;
try
{
    settings = options.ToKeepAliveSettings();
    schedulerSettings = options.ToSchedulerSettings();
    splitBrainResolver = options.ToSplitBrainResolver();
    stableAfter = options.StableAfterHocon();
    catalog = LoadCatalog(options, startupLog);
}
catch (Exception ex) when (ex is HostSettingsException or ModelsConfigException)
{
    startupLog.LogCritical("[keep-alive] cannot start: {Reason}", ex.Message);
    return 2;
}

if (!string.IsNullOrWhiteSpace(options.Redis))
{
    var redis = await RedisConnection.ConnectAsync(options.Redis, startupLog);
    builder.Services.AddSingleton(redis);
    builder.Services.AddSingleton<IScheduleStore>(new RedisScheduleStore(redis, options.RedisPrefix));
}

builder.Services.AddKeepAlive(new ProviderCatalogHolder(catalog), settings, schedulerSettings);
builder.Services.AddAkka("keepalive", (akka, services) =>
{
    var seedNodes = options.SeedNodeList();
    akka.ConfigureLoggers(logging =>
        {
            logging.ClearLoggers();
            logging.AddLoggerFactory();
        })
        .WithRemoting(options.Hostname, options.Port)
        .WithClustering(new ClusterOptions
        {
            SeedNodes = seedNodes.ToArray(),
            Roles = options.RoleList().ToArray(),
            SplitBrainResolver = splitBrainResolver,
        })
        .AddHocon(stableAfter, HoconAddMode.Prepend)
        .WithKeepAlive(services);

    if (seedNodes.Count == 0)
    {
        // Without seed nodes the node is a cluster of its own.
        akka.AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
    }
});

var app = builder.Build();
await app.RunAsync();
return Environment.ExitCode;

static ProviderCatalog LoadCatalog(KeepAliveHostOptions options, ILogger log)
{
    if (string.IsNullOrWhiteSpace(options.ModelsConfig))
    {
        log.LogWarning("[keep-alive] no models-config given (--models-config <path>): no pair has a provider, nothing will be pinged");
        return ProviderCatalog.Empty;
    }

    var catalog = ModelsConfigLoader.LoadFile(options.ModelsConfig);
    foreach (var warning in catalog.Warnings) log.LogWarning("[keep-alive] {Warning}", warning);
    log.LogInformation("[keep-alive] loaded {Count} provider(s) from {File}", catalog.Providers.Count, options.ModelsConfig);
    return catalog;
}
