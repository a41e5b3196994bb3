using KeepAlive.Actors;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Host.Config;

/// <summary>
/// The host's settings, bound from the <c>KeepAlive</c> section (appsettings.json, environment
/// <c>KeepAlive__X</c>, command-line flags). Durations use the keep_alive grammar (<c>30s</c>, <c>5m</c>, <c>1h</c>).
/// </summary>
public sealed class KeepAliveHostOptions
{
    public const string Section = "KeepAlive";

    /// <summary>The options bound from <paramref name="configuration"/>; defaults where a key is absent.</summary>
    public static KeepAliveHostOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<KeepAliveHostOptions>() ?? new KeepAliveHostOptions();

    /// <summary>Path of the router's models-config.json (<c>--models-config</c>).</summary>
    public string? ModelsConfig { get; set; }

    /// <summary>Load every model of models-config (<c>--all-models</c>), not only those under <c>active_models</c>.</summary>
    public bool AllModels { get; set; }

    /// <summary>StackExchange.Redis connection string (<c>--redis</c>); absent: the embedded in-memory store.</summary>
    public string? Redis { get; set; }

    /// <summary>Key prefix of the schema (<c>--redis-prefix</c>).</summary>
    public string RedisPrefix { get; set; } = ScheduleKeys.DefaultPrefix;

    /// <summary>
    /// Before each ping, ask the Redis of <c>--redis</c> which model the router last sent to the host (llm-router's
    /// <c>host:&lt;host&gt;</c> hash) and skip the ping as busy if it is another (<c>--router-occupancy</c>).
    /// </summary>
    public bool RouterOccupancy { get; set; }

    /// <summary>Delete the schema's keys at start (<c>--clear-on-start</c>): wipes state shared with other nodes.</summary>
    public bool ClearOnStart { get; set; }

    /// <summary>How often schedule changes are written (<c>--flush-interval</c>); absent: <see cref="SchedulerSettings.FlushInterval"/>'s default.</summary>
    public string? FlushInterval { get; set; }

    /// <summary>How often the stored schedule is swept for due pairs (<c>--sweep-interval</c>); absent: <see cref="SchedulerSettings.SweepInterval"/>'s default.</summary>
    public string? SweepInterval { get; set; }

    /// <summary>Timeout of one ping (<c>--ping-timeout</c>); absent: <see cref="KeepAliveSettings.PingTimeout"/>'s default.</summary>
    public string? PingTimeout { get; set; }

    /// <summary>The user message of a chat ping (<c>--ping-prompt</c>); absent: <see cref="KeepAliveSettings.PingPrompt"/>'s default.</summary>
    public string? PingPrompt { get; set; }

    /// <summary><c>max_tokens</c> of a chat ping (<c>--ping-max-tokens</c>), a whole number; absent: <see cref="KeepAliveSettings.PingMaxTokens"/>'s default.</summary>
    /// <remarks>Text, not int, so a bad value is reported naming the setting instead of failing the binder.</remarks>
    public string? PingMaxTokens { get; set; }

    /// <summary><c>temperature</c> of a chat ping (<c>--ping-temperature</c>), e.g. <c>0.7</c>; absent: <see cref="KeepAliveSettings.PingTemperature"/>'s default.</summary>
    public string? PingTemperature { get; set; }

    /// <summary>Stop pinging a pair with no usage for this long; empty: never stop.</summary>
    public string? MaxIdle { get; set; }

    /// <summary>
    /// Usage commands in flight on this node, sent and not yet confirmed (<c>--max-unconfirmed</c>), a whole number from
    /// 1; past it the API answers 503 and takes nothing. Absent: the library's default.
    /// </summary>
    /// <remarks>Text, not int, so a bad value is reported naming the setting instead of failing the binder.</remarks>
    public string? MaxUnconfirmed { get; set; }

    /// <summary>Akka remoting host name (<c>--hostname</c>).</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>Akka remoting port (<c>--port</c>); 0 picks a free one.</summary>
    public int Port { get; set; } = 0;

    /// <summary>Comma-separated <c>akka.tcp://keepalive@host:port</c> (<c>--seed-nodes</c>); empty: a cluster of its own.</summary>
    public string? SeedNodes { get; set; }

    /// <summary>Comma-separated cluster roles of this node (<c>--roles</c>).</summary>
    public string? Roles { get; set; }

    /// <summary>Only nodes with this cluster role host pairs (<c>--keepalive-role</c>); absent: every node.</summary>
    public string? KeepAliveRole { get; set; }

    /// <summary>Bearer token the HTTP API requires (<c>--api-token</c>); empty: no token. Health endpoints never need it.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Run the demo (<c>--demo</c>): built-in fake model servers and demo pairs; models-config is ignored.</summary>
    public bool Demo { get; set; }

    /// <summary>Which side of a partition survives (<c>--split-brain-resolver</c>): <c>keep-majority</c> or <c>keep-oldest</c>.</summary>
    public string SplitBrainResolver { get; set; } = "keep-majority";

    /// <summary>How long membership must be stable before unreachable nodes are downed (<c>--stable-after</c>).</summary>
    public string StableAfter { get; set; } = "13s";

    /// <summary>How long after a node is removed its pairs and singletons start elsewhere (<c>--down-removal-margin</c>).</summary>
    public string DownRemovalMargin { get; set; } = "2s";
}
