using Akka.Actor;
using Akka.Routing;

namespace KeepAlive.Actors.Pinging;

/// <summary>The node's pool of <see cref="PingSenderActor"/>s.</summary>
/// <remarks>
/// Routees pipe their outcomes instead of awaiting them, so their mailboxes drain at once: the pool
/// size spreads the work of starting requests, it does not cap how many pings are in flight.
/// </remarks>
public static class PingSenderPool
{
    // Set explicitly because Akka's pool default has differed from its docs. A routee holds no state
    // worth resetting, and resuming it leaves the pings it already started to answer their requesters.
    private static readonly SupervisorStrategy ResumeRoutees = new OneForOneStrategy(exception =>
        exception is ActorInitializationException ? Directive.Stop : Directive.Resume);

    public static Props Props(IHttpClientFactory httpClients, TimeSpan timeout, int size, INodeStanding standing)
    {
        ArgumentNullException.ThrowIfNull(httpClients);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return PingSenderActor.Props(httpClients, timeout, standing)
            .WithRouter(new RoundRobinPool(size).WithSupervisorStrategy(ResumeRoutees));
    }
}
