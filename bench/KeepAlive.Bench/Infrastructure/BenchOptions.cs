using System.Globalization;

namespace KeepAlive.Bench.Infrastructure;

/// <summary>
/// The command line after the scenario's name. Sizes: <c>--pairs N</c> (burst, recovery, memory), <c>--runs N</c>
/// (failover), <c>--concurrency N</c> and <c>--batch N</c> (burst). The host build a host-driven scenario runs:
/// <c>--host PATH</c> and <c>--label TEXT</c>. For <c>compare</c>: <c>--build LABEL=PATH</c> once per build, in the
/// order of the table's columns, and <c>--scenarios a,b</c>. <c>--figures FILE</c>: where the headline figures go.
/// </summary>
public sealed record BenchOptions
{
    public int? Pairs { get; init; }
    public int Runs { get; init; } = 3;
    public int Concurrency { get; init; } = 8;
    public int Batch { get; init; } = 1_000;
    public HostBuild Host { get; init; } = HostBuild.ThisBuild;
    public IReadOnlyList<HostBuild> Builds { get; init; } = [];
    public IReadOnlyList<string> Scenarios { get; init; } = [];
    public string? FiguresFile { get; init; }

    /// <summary>The pair count of the scenario: <c>--pairs</c>, else its own full size.</summary>
    public int PairsOr(int fullSize) => Pairs ?? fullSize;

    /// <summary>The flags that run a scenario in a process of its own with these sizes, on <paramref name="host"/>.</summary>
    public IReadOnlyList<string> ScenarioArguments(HostBuild host, string? figuresFile)
    {
        var arguments = new List<string> { "--runs", Number(Runs), "--concurrency", Number(Concurrency), "--batch", Number(Batch), "--label", host.Label };
        if (Pairs is { } pairs) arguments.AddRange(["--pairs", Number(pairs)]);
        if (host.Executable is { } executable) arguments.AddRange(["--host", executable]);
        if (figuresFile is not null) arguments.AddRange(["--figures", figuresFile]);
        return arguments;
    }

    /// <exception cref="ArgumentException">an unknown flag, a flag without its value, or a value of the wrong form.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        string? executable = null;
        var label = HostBuild.ThisBuild.Label;
        for (var i = 0; i < args.Count; i += 2)
        {
            var flag = args[i];
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{flag} needs a value.");
            switch (flag)
            {
                case "--pairs": options = options with { Pairs = Positive(flag, value) }; break;
                case "--runs": options = options with { Runs = Positive(flag, value) }; break;
                case "--concurrency": options = options with { Concurrency = Positive(flag, value) }; break;
                case "--batch": options = options with { Batch = Positive(flag, value) }; break;
                case "--figures": options = options with { FiguresFile = Path.GetFullPath(value) }; break;
                case "--host": executable = Path.GetFullPath(value); break;
                case "--label": label = value; break;
                case "--build": options = options with { Builds = [.. options.Builds, Build(value)] }; break;
                case "--scenarios": options = options with { Scenarios = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }; break;
                default: throw new ArgumentException($"Unknown flag {flag}.");
            }
        }

        return options with { Host = new HostBuild(executable, label) };
    }

    private static HostBuild Build(string value) =>
        value.Split('=', 2) is [var label, var path] && label.Length > 0 && path.Length > 0
            ? new HostBuild(Path.GetFullPath(path), label)
            : throw new ArgumentException($"--build must be LABEL=PATH (a build's KeepAlive.Host executable), not '{value}'.");

    private static int Positive(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"{flag} must be a positive whole number, not '{value}'.");

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
