namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// The KeepAlive.Host a host-driven scenario runs as a process: a build's <c>KeepAlive.Host</c> executable (what
/// <c>dotnet build</c> writes next to KeepAlive.Host.dll), or, without one, the host built next to the bench.
/// Any build's host takes the scenarios' flags unchanged (<c>--redis</c>, <c>--models-config</c>, <c>--port</c>,
/// <c>--seed-nodes</c>, <c>--sweep-interval</c>), so one scenario measures before and after alike.
/// </summary>
public sealed record HostBuild(string? Executable, string Label)
{
    public static readonly HostBuild ThisBuild = new(null, "this build");

    public Task<HostProcess> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        HostProcess.StartAsync(arguments, executable: Executable, environment: environment);

    public override string ToString() => Executable is null ? Label : $"{Label}: {Executable}";
}
