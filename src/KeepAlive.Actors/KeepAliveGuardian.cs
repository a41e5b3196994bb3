using Akka.Actor;
using Akka.Hosting;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Actors;

/// <summary>
/// The node's keep-alive guardian: parent of the ping sender pool and the scheduler, so both are supervised here
/// rather than by the user guardian. It registers them (<see cref="KeepAlivePingSenders"/>, <see cref="KeepAliveScheduler"/>)
/// as it starts.
/// </summary>
public sealed class KeepAliveGuardian : ReceiveActor
{
    public KeepAliveGuardian(Props pingSenders, Props scheduler, IActorRegistry registry)
    {
        registry.Register<KeepAlivePingSenders>(Context.ActorOf(pingSenders, "ping-senders"));
        registry.Register<KeepAliveScheduler>(Context.ActorOf(scheduler, "scheduler"));
    }

    public static Props Props(Props pingSenders, Props scheduler, IActorRegistry registry) =>
        Akka.Actor.Props.Create(() => new KeepAliveGuardian(pingSenders, scheduler, registry));

    // The scheduler holds writes not yet in the store; a restart would drop them, so a fault resumes it.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Resume);
}

/// <summary>Registry key of the node's ping sender pool.</summary>
public sealed class KeepAlivePingSenders
{
    private KeepAlivePingSenders() { }
}

/// <summary>Registry key of the node's <see cref="SchedulerActor"/>.</summary>
public sealed class KeepAliveScheduler
{
    private KeepAliveScheduler() { }
}

/// <summary>Registry key of the proxy to the cluster's <see cref="ScheduleSweeperActor"/> (a cluster singleton).</summary>
public sealed class KeepAliveSweeper
{
    private KeepAliveSweeper() { }
}
