using Xunit;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>One <see cref="KeepAliveTestNode"/> with default options for all tests of a class that only read from it.</summary>
public sealed class KeepAliveNodeFixture : IAsyncLifetime
{
    public KeepAliveTestNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await KeepAliveTestNode.StartAsync(new TestNodeOptions());

    public async Task DisposeAsync() => await Node.DisposeAsync();
}
