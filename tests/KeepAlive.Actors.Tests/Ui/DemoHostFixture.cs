using Xunit;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>The real host in demo mode (<c>--demo</c>), as the README's first command starts it.</summary>
public sealed class DemoHostFixture : IAsyncLifetime
{
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await HostProcess.StartAsync(["--demo"]);
        await Host.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
