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

    protected void Advance(TimeSpan by) => Clock.Advance(by);
}
