using System.Globalization;

namespace KeepAlive.Actors;

/// <summary>Behaviour settings of the keep-alive actors. Validated at start; errors name the setting.</summary>
public sealed record KeepAliveSettings
{
    // The range the OpenAI API accepts; vLLM and Ollama accept it too.
    private const decimal MinTemperature = 0.0m;
    private const decimal MaxTemperature = 2.0m;

    /// <summary>How long one ping may take before it counts as failed (the Python router's 60 s).</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When a ping's outcome is surely back: the senders' own timeout ends every ping, and a margin covers the outcome's
    /// trip back. Past it the outcome was lost (the pair counts a timeout, the host's gate takes its lease back).
    /// </summary>
    public TimeSpan PingOutcomeDeadline => PingTimeout + TimeSpan.FromSeconds(5);

    /// <summary>The user message of a chat ping (the Python router's <c>KeepAlive</c> <c>prompt</c>).</summary>
    public string PingPrompt { get; init; } = "Send an empty message.";

    /// <summary><c>max_tokens</c> of a chat ping (the Python router's <c>max_tokens</c>).</summary>
    public int PingMaxTokens { get; init; } = 56;

    /// <summary><c>temperature</c> of a chat ping (the Python router's <c>temperature</c>).</summary>
    /// <remarks>A decimal keeps its scale when written, so the default reads 0.0 like the Python router's, not 0.</remarks>
    public decimal PingTemperature { get; init; } = 0.0m;

    /// <summary>First retry delay after a failed ping; doubles per failure, capped at the pair's keep_alive.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop pinging a pair with no real usage for this long (null: never stop). Usage resumes it.</summary>
    public TimeSpan? MaxIdle { get; init; }

    /// <summary>Per-pair offset, as a fraction of the interval, that keeps pairs registered together apart.</summary>
    public double SpreadFraction { get; init; } = 0.03;

    /// <summary>Upper bound of the per-pair offset.</summary>
    public TimeSpan MaxSpread { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A due pair that has had no answer from its host's gate for this long asks again: the request (or the answer) was
    /// lost with the gate's node, and a host that is really busy simply keeps the pair waiting in its queue.
    /// </summary>
    public TimeSpan LeaseRequestRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Routees of the ping sender pool.</summary>
    public int PingSenderPoolSize { get; init; } = 4;

    /// <summary>
    /// A host whose router reported <c>RequestStarted</c> without <c>RequestFinished</c> for this long is
    /// considered idle again, so a crashed router cannot block a host's pings forever.
    /// </summary>
    public TimeSpan StaleRequestTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long an unregistered pair's actor stays as a tombstone before it stops: a sweep that read the pair's stored
    /// schedule just before its removal was written hands it over within its delivery timeout (30 s), and must not
    /// bring the pair back.
    /// </summary>
    public TimeSpan UnregisteredLinger { get; init; } = TimeSpan.FromMinutes(1);

    /// <exception cref="ArgumentException">names the first invalid setting.</exception>
    public KeepAliveSettings Validate()
    {
        Require(PingTimeout > TimeSpan.Zero, nameof(PingTimeout), "must be positive");
        Require(!string.IsNullOrWhiteSpace(PingPrompt), nameof(PingPrompt), "must not be empty");
        Require(PingMaxTokens > 0, nameof(PingMaxTokens), "must be at least 1");
        Require(PingTemperature is >= MinTemperature and <= MaxTemperature, nameof(PingTemperature), string.Create(CultureInfo.InvariantCulture, $"must be between {MinTemperature} and {MaxTemperature}"));
        Require(FirstRetryDelay > TimeSpan.Zero, nameof(FirstRetryDelay), "must be positive");
        Require(MaxIdle is null || MaxIdle > TimeSpan.Zero, nameof(MaxIdle), "must be positive when set");
        Require(SpreadFraction is >= 0 and < 1, nameof(SpreadFraction), "must be in [0, 1)");
        Require(MaxSpread >= TimeSpan.Zero, nameof(MaxSpread), "must not be negative");
        Require(LeaseRequestRetry > TimeSpan.Zero, nameof(LeaseRequestRetry), "must be positive");
        Require(PingSenderPoolSize > 0, nameof(PingSenderPoolSize), "must be at least 1");
        Require(StaleRequestTimeout > TimeSpan.Zero, nameof(StaleRequestTimeout), "must be positive");
        Require(UnregisteredLinger > TimeSpan.Zero, nameof(UnregisteredLinger), "must be positive");
        return this;
    }

    private static void Require(bool condition, string setting, string reason) =>
        SettingCheck.Require(condition, "KeepAlive setting", setting, reason);
}

/// <summary>The one way a settings record reports a bad value: an error that names the setting.</summary>
internal static class SettingCheck
{
    public static void Require(bool condition, string kind, string setting, string reason)
    {
        if (!condition) throw new ArgumentException($"{kind} '{setting}' {reason}.", setting);
    }
}
