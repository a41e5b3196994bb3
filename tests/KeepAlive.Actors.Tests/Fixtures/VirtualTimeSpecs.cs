using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>
/// Base of actor specs in virtual time: the system runs on Akka.TestKit's TestScheduler, and actors
/// created with <see cref="Synchronous"/> process each message on the thread that sends it, so after
/// <see cref="Advance"/> every timer that fell due has been handled.
/// </summary>
public abstract class VirtualTimeSpecs(ITestOutputHelper output, string? extraConfig = null)
    : Akka.TestKit.Xunit2.TestKit(
        ConfigurationFactory.ParseString(extraConfig ?? string.Empty)
            .WithFallback("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\""),
        null,
        output)
{
    protected TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    protected new DateTimeOffset Now => Clock.Now;

    protected static Props Synchronous(Props props) => props.WithDispatcher(CallingThreadDispatcher.Id);

    /// <summary>
    /// Starts a top-level actor on the calling thread's dispatcher and waits until it runs: until then a
    /// top-level actor queues what it is told and handles it later on the guardian's thread.
    /// </summary>
    protected IActorRef StartSynchronous(Props props) => Started(Sys, Sys.ActorOf(Synchronous(props)));

    /// <summary>Waits until <paramref name="actor"/> answers, so what it is told next is handled at once.</summary>
    public static IActorRef Started(ActorSystem system, IActorRef actor)
    {
        // The first answer can come before what the actor told itself in PreStart was handled (both sat
        // in the unstarted queue); the second is queued behind it.
        for (var round = 0; round < 2; round++)
            actor.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return actor;
    }

    protected void Advance(TimeSpan by) => Clock.Advance(by);

    /// <summary>Every message the probe holds now, without waiting for more.</summary>
    protected static IReadOnlyList<object> Drain(TestProbe probe)
    {
        var messages = new List<object>();
        while (probe.HasMessages) messages.Add(probe.ReceiveOne(TimeSpan.FromSeconds(1))!);
        return messages;
    }
}
