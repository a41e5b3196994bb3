namespace KeepAlive.Actors.Hosts;

/// <summary>What a <see cref="IHostFreeCheck"/> answers: whether the host is free for the model, and who occupies it if not.</summary>
public readonly record struct HostCheck(bool Free, string? Occupant)
{
    public static HostCheck IsFree => new(true, null);

    public static HostCheck BusyWith(string occupant) => new(false, occupant);
}

/// <summary>
/// A second opinion on whether a host is free for a model, asked by the host's gate just before it grants a ping lease:
/// the <c>is_host_free_callback</c> of the router's own monitor. A router that tracks which model occupies each host
/// (llm-router does, in Redis: <see cref="RouterRedisOccupancy"/>) keeps the service from pinging a model onto a GPU it
/// has just given to another. A busy answer is a busy skip, exactly as when the gate's own view says so.
/// </summary>
public interface IHostFreeCheck
{
    /// <param name="host">The host as the pair spells it (the router's spelling).</param>
    /// <param name="model">The pair's model as the router names it.</param>
    Task<HostCheck> CheckAsync(string host, string model);
}

/// <summary>A plain delegate as the check, for a .NET router with a rule of its own.</summary>
/// <param name="isFree">Whether <c>host</c> is free for <c>model</c>.</param>
public sealed class HostFreeCallback(Func<string, string, Task<bool>> isFree) : IHostFreeCheck
{
    public async Task<HostCheck> CheckAsync(string host, string model) =>
        await isFree(host, model) ? HostCheck.IsFree : HostCheck.BusyWith("another model (router's callback)");
}
