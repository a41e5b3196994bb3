using Akka.TestKit.Xunit2;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>
/// Base of specs that talk to a fresh <see cref="FakeModelServer"/> in each test: xunit creates the class for each
/// test and starts and stops the server around it, so no request or rule of one test reaches another.
/// </summary>
public abstract class ModelServerSpecs : IAsyncLifetime
{
    protected FakeModelServer Server { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Server = await FakeModelServer.StartAsync();

    public virtual async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary><see cref="ModelServerSpecs"/> for actor specs in real time (Akka.TestKit).</summary>
public abstract class ModelServerTestKit(ITestOutputHelper output) : TestKit(output: output), IAsyncLifetime
{
    protected FakeModelServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeModelServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
