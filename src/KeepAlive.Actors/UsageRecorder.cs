using Akka.Actor;
using Akka.Hosting;
using KeepAlive.Actors.Hosts;
using KeepAlive.Actors.Pairs;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors;

/// <summary>Settings of <see cref="UsageRecorder"/>. Validated at start; errors name the setting.</summary>
public sealed record UsageRecorderSettings
{
    /// <summary>
    /// Commands sent and not yet confirmed by their actors, per node. Past it a call is refused before anything is
    /// sent. Well below a shard region's buffer (100,000 messages by default), which drops what does not fit while
    /// shards find their home.
    /// </summary>
    public int MaxUnconfirmed { get; init; } = 20_000;

    /// <summary>How long a call waits for every command's confirmation.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What a refused or unconfirmed call is told to wait before it tries again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <exception cref="ArgumentException">names the first invalid setting.</exception>
    public UsageRecorderSettings Validate()
    {
        Require(MaxUnconfirmed > 0, nameof(MaxUnconfirmed), "must be at least 1");
        Require(ConfirmTimeout > TimeSpan.Zero, nameof(ConfirmTimeout), "must be positive");
        Require(RetryAfter > TimeSpan.Zero, nameof(RetryAfter), "must be positive");
        return this;
    }

    private static void Require(bool condition, string setting, string reason) =>
        SettingCheck.Require(condition, "KeepAlive usage recorder setting", setting, reason);
}

/// <summary>What became of the commands of one <see cref="UsageRecorder"/> call.</summary>
public abstract record DeliveryOutcome
{
    /// <summary>Every command was taken by its actor.</summary>
    public sealed record Taken(int Count) : DeliveryOutcome;

    /// <summary>The node has too many commands in flight: nothing was sent. Try again after <paramref name="RetryAfter"/>.</summary>
    public sealed record Refused(TimeSpan RetryAfter, string Reason) : DeliveryOutcome;

    /// <summary>
    /// Sent, but not every command was confirmed in time (a node lost, shards moving): some may have been taken.
    /// Sending them again is safe: a usage recorded twice moves the wake-up to the later time.
    /// </summary>
    public sealed record Unconfirmed(TimeSpan RetryAfter, string Reason) : DeliveryOutcome;
}

/// <summary>
/// Records usage (and unregisters pairs, and reports host requests) so that the caller knows it was kept: every
/// command is asked of its actor, and the call completes when all of them confirmed. The number of commands in
/// flight on the node is bounded; past the bound a call is refused at once and nothing is sent. The HTTP API answers
/// 202 only for <see cref="DeliveryOutcome.Taken"/>.
/// </summary>
/// <remarks>
/// Router code on the hot path may still tell <see cref="RecordUsage"/> to the region (a few hundred nanoseconds, no
/// answer); this is the way to know, at the cost of one ask per command.
/// </remarks>
public sealed class UsageRecorder(IRequiredActor<PairRegion> pairs, IRequiredActor<HostGateRegion> hostGates, UsageRecorderSettings settings)
{
    private int _unconfirmed;

    /// <summary>Commands sent by this node and not yet confirmed.</summary>
    public int Unconfirmed => Volatile.Read(ref _unconfirmed);

    public async Task<DeliveryOutcome> RecordAsync(IReadOnlyList<RecordUsage> usages, CancellationToken cancellation = default) =>
        await SendAsync(await pairs.GetAsync(cancellation), usages.Select(usage => usage with { Confirm = true }).ToList(), cancellation);

    public async Task<DeliveryOutcome> UnregisterAsync(PairKey pair, CancellationToken cancellation = default) =>
        await SendAsync(await pairs.GetAsync(cancellation), [new Unregister(pair) { Confirm = true }], cancellation);

    /// <exception cref="ArgumentException">the host is longer than <see cref="PairKey.MaxNameBytes"/>; nothing is sent.</exception>
    public async Task<DeliveryOutcome> RequestStartedAsync(string host, CancellationToken cancellation = default) =>
        await SendAsync(await hostGates.GetAsync(cancellation), [new HostGateProtocol.RequestStarted(GateHost(host)) { Confirm = true }], cancellation);

    /// <exception cref="ArgumentException">the host is longer than <see cref="PairKey.MaxNameBytes"/>; nothing is sent.</exception>
    public async Task<DeliveryOutcome> RequestFinishedAsync(string host, CancellationToken cancellation = default) =>
        await SendAsync(await hostGates.GetAsync(cancellation), [new HostGateProtocol.RequestFinished(GateHost(host)) { Confirm = true }], cancellation);

    // The host is its gate's entity id, which crosses nodes as a pair's does: the same limit keeps it deliverable.
    private static string GateHost(string host) => PairKey.RequireName(host, "host", nameof(host));

    private async Task<DeliveryOutcome> SendAsync(IActorRef region, IReadOnlyList<object> commands, CancellationToken cancellation)
    {
        if (commands.Count == 0) return new DeliveryOutcome.Taken(0);
        if (!TryAdmit(commands.Count))
        {
            return new DeliveryOutcome.Refused(settings.RetryAfter,
                $"{Unconfirmed} command(s) in flight on this node; at most {settings.MaxUnconfirmed} are taken at a time");
        }

        try
        {
            await Task.WhenAll(commands.Select(command => region.Ask<Confirmed>(command, settings.ConfirmTimeout, cancellation)));
            return new DeliveryOutcome.Taken(commands.Count);
        }
        catch (AskTimeoutException)
        {
            return new DeliveryOutcome.Unconfirmed(settings.RetryAfter,
                $"not every command was confirmed within {settings.ConfirmTimeout.TotalSeconds:0.#} s");
        }
        finally
        {
            Interlocked.Add(ref _unconfirmed, -commands.Count);
        }
    }

    /// <summary>
    /// Takes the commands in when they fit under the bound; a call larger than the bound is taken when nothing else is
    /// in flight, so it cannot be refused forever.
    /// </summary>
    private bool TryAdmit(int count)
    {
        while (true)
        {
            var current = Volatile.Read(ref _unconfirmed);
            if (current > 0 && current + count > settings.MaxUnconfirmed) return false;
            if (Interlocked.CompareExchange(ref _unconfirmed, current + count, current) == current) return true;
        }
    }
}
