using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using KeepAlive.Actors;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Scheduling;
using KeepAlive.Host;
using KeepAlive.Host.Api;
using KeepAlive.Host.Config;
using KeepAlive.Host.Demo;
using KeepAlive.Host.Ui;
using StackExchange.Redis;

if (args.Contains(BuildInfo.VersionFlag))
{
    Console.WriteLine(BuildInfo.Current);
    return 0;
}

var arguments = CommandLine.Normalize(args);
// appsettings.json sits next to the binary; the working directory stays where the command was typed (relative paths).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = arguments, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddKeepAliveFlags(args);
builder.Logging.AddOneLineConsole();
var options = KeepAliveHostOptions.From(builder.Configuration);
var modelsConfig = ModelsConfigFile.From(options);
if (options.Demo) DemoMode.DefaultLogLevels(builder.Configuration);

using var startupLogging = LoggerFactory.Create(logging => logging.AddOneLineConsole());
var startupLog = startupLogging.CreateLogger("KeepAlive.Host");

KeepAliveSettings settings;
SchedulerSettings schedulerSettings;
UsageRecorderSettings recorderSettings;
ProviderCatalog catalog;
SplitBrainResolverOption splitBrainResolver;
string failoverTiming;
bool checksRouterOccupancy;
Akka.Event.LogLevel akkaLogLevel;
// The demo's model hosts must listen before the catalog can name them.
await using var demo = options.Demo ? await DemoMode.StartAsync() : null;
try
{
    settings = options.ToKeepAliveSettings();
    schedulerSettings = options.ToSchedulerSettings();
    recorderSettings = options.ToUsageRecorderSettings();
    splitBrainResolver = options.ToSplitBrainResolver();
    failoverTiming = options.FailoverTimingHocon();
    checksRouterOccupancy = options.ChecksRouterOccupancy();
    akkaLogLevel = ConsoleLogging.AkkaLevel(builder.Configuration);
    catalog = demo?.Catalog ?? LoadCatalog(modelsConfig, startupLog);
}
catch (Exception ex) when (ex is HostSettingsException or ModelsConfigException)
{
    startupLog.LogCritical("[keep-alive] cannot start: {Reason}", ex.Message);
    return 2;
}

if (!options.HostsPairs())
{
    startupLog.LogInformation("[keep-alive] this node hosts no pairs: its roles ({Roles}) leave out the keep-alive role '{Role}'; it serves the API for the nodes that have it",
        string.Join(",", options.RoleList()), options.ToShardingSettings().Role);
}

IConnectionMultiplexer? redis = null;
if (!string.IsNullOrWhiteSpace(options.Redis))
{
    redis = await RedisConnection.ConnectAsync(options.Redis, startupLog);
    builder.Services.AddSingleton(redis);
    builder.Services.AddSingleton<IScheduleStore>(new RedisScheduleStore(redis, options.RedisPrefix));
    if (checksRouterOccupancy) builder.Services.AddSingleton<IHostFreeCheck>(new RouterRedisOccupancy(redis));
}

var catalogHolder = new ProviderCatalogHolder(catalog);
builder.AddKeepAliveEndpoints(redis);
builder.Services.AddKeepAlive(catalogHolder, settings, schedulerSettings, recorderSettings);
if (demo is null && modelsConfig is not null)
{
    builder.Services.AddHostedService(services => new ModelsConfigWatcher(
        modelsConfig, catalogHolder, services.GetRequiredService<ILogger<ModelsConfigWatcher>>()));
}

builder.Services.AddAkka("keepalive", (akka, services) =>
{
    akka.WithCategorizedLogging(akkaLogLevel)
        .WithRemoting(options.Hostname, options.Port)
        .WithClusteringOrSelfJoin(new ClusterOptions
        {
            SeedNodes = options.SeedNodeList().ToArray(),
            Roles = options.RoleList().ToArray(),
            SplitBrainResolver = splitBrainResolver,
        })
        .AddHocon(failoverTiming, HoconAddMode.Prepend)
        .WithKeepAlive(services, options.ToShardingSettings());
    akka.WithKeepAliveHealthChecks();
});

var app = builder.Build();
app.UseStatusCodePages();
app.UseApiToken(options.ApiToken, [Observability.LivenessPath, Observability.ReadinessPath, .. StatusPage.Paths]);
app.MapKeepAliveEndpoints();
if (demo is not null)
{
    app.Lifetime.ApplicationStarted.Register(() =>
        _ = demo.RecordUsageAsync(app.Services.GetRequiredService<IActorRegistry>(), app.Logger, app.Lifetime.ApplicationStopping));
}

await app.RunAsync();
return Environment.ExitCode;

static ProviderCatalog LoadCatalog(ModelsConfigFile? file, ILogger log)
{
    if (file is not null) return file.Load(log, "loaded");

    log.LogWarning("[keep-alive] no models-config given (--models-config <path>): no pair has a provider, nothing will be pinged");
    return ProviderCatalog.Empty;
}
