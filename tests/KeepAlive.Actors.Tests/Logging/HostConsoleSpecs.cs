using System.Text.RegularExpressions;
using KeepAlive.Actors.Tests.Fixtures;
using KeepAlive.Actors.Tests.Ui;
using Xunit;
using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Logging;

/// <summary>The host's console as an operator reads it: one line per event, levels chosen by --log-level and Logging:LogLevel.</summary>
public sealed partial class HostConsoleSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_demo_writes_one_line_per_event_and_at_most_three_lines_of_akka_start_up()
    {
        await using var host = await HostProcess.StartAsync(["--demo"], echo: output.Sink());

        await host.WaitForOutputAsync(line => line.Contains("skipped: host busy with demo/"), Patience);
        await host.WaitForOutputAsync(line => line.Contains("[keep-alive] ping of demo/") && line.Contains("succeeded: HTTP 200"), Patience);

        var lines = host.Output;
        Assert.All(lines, line => Assert.Matches(OneLine(), line));
        Assert.DoesNotContain(lines, line => line.Contains("[Thread ") || line.Contains("akka.tcp://") || line.Contains("%7C"));
        // A healthy demo has nothing to warn about (Akka's singleton proxy used to warn at every start).
        Assert.DoesNotContain(lines, line => line.Contains(" warn ") || line.Contains(" fail "));
        Assert.Contains(lines, line => Regex.IsMatch(line, @" dbug PairActor: \[keep-alive\] pinging demo/"));
        var startUp = lines.TakeWhile(line => !line.Contains("[keep-alive] pinging"))
            .Where(line => !line.Contains("[keep-alive]") && !line.Contains(" Lifetime: "));
        Assert.True(startUp.Count() <= 3, $"Akka start-up lines: {string.Join('\n', startUp)}");
    }

    [Fact]
    public async Task A_logging_key_the_user_sets_wins_over_the_demos_levels()
    {
        await using var host = await HostProcess.StartAsync(["--demo", "--Logging:LogLevel:KeepAlive=Information"], echo: output.Sink());

        // The skipped pair is due every 4 s, the Ollama pair pinged every 5 s: by the second skip a ping has been sent.
        await Eventually.HoldsAsync(() => host.Output.Count(line => line.Contains("skipped: host busy with demo/")) >= 2, Patience);

        Assert.DoesNotContain(host.Output, line => line.Contains("[keep-alive] pinging") || line.Contains("succeeded: HTTP"));
    }

    [Fact]
    public async Task A_log_level_that_is_not_one_stops_the_start_naming_the_setting()
    {
        var refused = await ProcessRun.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "KeepAlive.Host.dll"), "--urls", "http://127.0.0.1:0", "--log-level", "loud"], Patience);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("Setting Logging:LogLevel:Default = 'loud' is not a log level", refused.Output);
    }

    // Time, level, short category, message; an exception's lines would follow, and none is expected here.
    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} (trce|dbug|info|warn|fail|crit) [A-Za-z0-9_+]+: \S")]
    private static partial Regex OneLine();
}
