namespace KeepAlive.Host.Config;

/// <summary>The host's command-line flags, each an alias of a configuration key.</summary>
public static class CommandLine
{
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--models-config"] = Key(nameof(KeepAliveHostOptions.ModelsConfig)),
        ["--all-models"] = Key(nameof(KeepAliveHostOptions.AllModels)),
        ["--redis"] = Key(nameof(KeepAliveHostOptions.Redis)),
        ["--redis-prefix"] = Key(nameof(KeepAliveHostOptions.RedisPrefix)),
        ["--clear-on-start"] = Key(nameof(KeepAliveHostOptions.ClearOnStart)),
        ["--router-occupancy"] = Key(nameof(KeepAliveHostOptions.RouterOccupancy)),
        ["--flush-interval"] = Key(nameof(KeepAliveHostOptions.FlushInterval)),
        ["--sweep-interval"] = Key(nameof(KeepAliveHostOptions.SweepInterval)),
        ["--ping-timeout"] = Key(nameof(KeepAliveHostOptions.PingTimeout)),
        ["--ping-prompt"] = Key(nameof(KeepAliveHostOptions.PingPrompt)),
        ["--ping-max-tokens"] = Key(nameof(KeepAliveHostOptions.PingMaxTokens)),
        ["--ping-temperature"] = Key(nameof(KeepAliveHostOptions.PingTemperature)),
        ["--max-idle"] = Key(nameof(KeepAliveHostOptions.MaxIdle)),
        ["--max-unconfirmed"] = Key(nameof(KeepAliveHostOptions.MaxUnconfirmed)),
        ["--hostname"] = Key(nameof(KeepAliveHostOptions.Hostname)),
        ["--port"] = Key(nameof(KeepAliveHostOptions.Port)),
        ["--seed-nodes"] = Key(nameof(KeepAliveHostOptions.SeedNodes)),
        ["--roles"] = Key(nameof(KeepAliveHostOptions.Roles)),
        ["--keepalive-role"] = Key(nameof(KeepAliveHostOptions.KeepAliveRole)),
        ["--api-token"] = Key(nameof(KeepAliveHostOptions.ApiToken)),
        ["--demo"] = Key(nameof(KeepAliveHostOptions.Demo)),
        ["--split-brain-resolver"] = Key(nameof(KeepAliveHostOptions.SplitBrainResolver)),
        ["--stable-after"] = Key(nameof(KeepAliveHostOptions.StableAfter)),
        ["--down-removal-margin"] = Key(nameof(KeepAliveHostOptions.DownRemovalMargin)),
        ["--log-level"] = ConsoleLogging.DefaultLevelKey,
    };

    private static readonly HashSet<string> BareFlags = ["--all-models", "--clear-on-start", "--router-occupancy", "--demo"];

    /// <summary>Lets on/off flags stand alone (<c>--clear-on-start</c>), which the configuration provider cannot.</summary>
    public static string[] Normalize(string[] args)
    {
        var normalized = new List<string>(args.Length + 1);
        for (var i = 0; i < args.Length; i++)
        {
            normalized.Add(args[i]);
            var standsAlone = i + 1 == args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (BareFlags.Contains(args[i]) && standsAlone) normalized.Add("true");
        }

        return normalized.ToArray();
    }

    /// <summary>Adds the flags as configuration keys, bare on/off flags included.</summary>
    public static IConfigurationBuilder AddKeepAliveFlags(this IConfigurationBuilder configuration, string[] args) =>
        configuration.AddCommandLine(Normalize(args), SwitchMappings.ToDictionary());

    private static string Key(string property) => $"{KeepAliveHostOptions.Section}:{property}";
}
