using Akka.Actor;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Actors;

/// <summary>
/// The node's keep-alive guardian: parent of the ping sender pool and the scheduler, so both are supervised here
/// rather than by the user guardian. Answers <see cref="GetChildren"/> with them, for the start-up to register.
/// </summary>
/// <remarks>
/// It does not register them itself: Akka.Hosting's <c>ActorRegistry</c> can lose a waiter that starts waiting
/// (<c>GetAsync</c>) while the key is being registered on another thread, and the start-up then waits forever (seen
/// on a loaded machine). Asked and registered on the start-up's own thread, nothing waits on the registry.
/// </remarks>
public sealed class KeepAliveGuardian : ReceiveActor
{
    /// <summary>Asks for the guardian's children; answered with <see cref="Children"/>.</summary>
    public sealed class GetChildren
    {
        public static readonly GetChildren Instance = new();
        private GetChildren() { }
    }

    public sealed record Children(IActorRef PingSenders, IActorRef Scheduler);

    public KeepAliveGuardian(Props pingSenders, Props scheduler)
    {
        var children = new Children(Context.ActorOf(pingSenders, "ping-senders"), Context.ActorOf(scheduler, "scheduler"));
        Receive<GetChildren>(_ => Sender.Tell(children));
    }

    public static Props Props(Props pingSenders, Props scheduler) =>
        Akka.Actor.Props.Create(() => new KeepAliveGuardian(pingSenders, scheduler));

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
