using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using KeepAlive.Actors.Tests.Api;
using KeepAlive.Host;
using KeepAlive.Host.Config;
using Xunit;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>scripts/publish.sh run once: the self-contained <c>keepalive</c> in a fresh folder.</summary>
public sealed class PublishedBinaryFixture : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("keepalive-publish-");

    public string Folder => _folder.FullName;

    public string Executable => Path.Combine(Folder, "keepalive");

    public async Task InitializeAsync()
    {
        var root = ProcessRun.RepositoryRoot();
        var publish = await ProcessRun.RunAsync("bash", [Path.Combine(root, "scripts", "publish.sh"), Folder], PublishTimeout, root);
        Assert.True(publish.ExitCode == 0, $"scripts/publish.sh failed:\n{publish.Output}");
    }

    public Task DisposeAsync()
    {
        _folder.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

// Publishing keeps both cores busy for a minute: it runs alone, so no timing spec pays for it.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PublishCollection
{
    public const string Name = "published binary";
}

[Collection(PublishCollection.Name)]
public sealed class PublishedBinarySpecs(PublishedBinaryFixture published) : IClassFixture<PublishedBinaryFixture>
{
    // The .NET this test runs on, e.g. /usr/share/dotnet: the published binary must not load anything from it.
    private static readonly string InstalledDotnet =
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    // As if no .NET were installed: nothing points the app host at one.
    private static readonly Dictionary<string, string> NoDotnet = new() { ["DOTNET_ROOT"] = "/nonexistent-dotnet" };

    [Fact]
    public void The_output_is_one_executable_and_its_settings_file()
    {
        Assert.Equal(["appsettings.json", "keepalive"], Directory.GetFiles(published.Folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task The_published_keepalive_runs_the_demo_on_its_own_until_a_ping_shows()
    {
        await using var host = await HostProcess.StartAsync(["--demo"], executable: published.Executable, environment: NoDotnet);

        await host.WaitForOutputAsync(line => line.Contains("[keep-alive] ping of demo/") && line.Contains("succeeded: HTTP 200"), TimeSpan.FromSeconds(60));

        var mapped = await File.ReadAllTextAsync($"/proc/{host.Id.ToString(CultureInfo.InvariantCulture)}/maps");
        Assert.DoesNotContain(InstalledDotnet, mapped);
        // Trimming kept what the API, the page and the metrics need at run time.
        var list = await (await host.Http.GetAsync("/api/providers")).JsonAsync();
        Assert.Equal(3, list.GetProperty("total").GetInt32());
        Assert.Contains("<title>KeepAlive status</title>", await host.Http.GetStringAsync("/"));
        Assert.Contains("keepalive_pings_succeeded_total", await host.Http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task The_published_keepalive_says_its_version_and_the_commit_it_was_published_from()
    {
        var run = await ProcessRun.RunAsync(published.Executable, ["--version"], TimeSpan.FromSeconds(60));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(new BuildInfo(BuildInfo.Current.Version, await ProcessRun.GitAsync("rev-parse", "HEAD")).ToString(), run.Output.Trim());
    }

    [Fact]
    public async Task Two_published_nodes_form_a_cluster_and_list_each_others_pairs_and_hosts()
    {
        // Remoting, sharding's wire messages and our serializer all run through reflection that trimming must keep.
        var seedPort = TestHttp.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture);
        await using var seed = await HostProcess.StartAsync(["--demo", "--port", seedPort], executable: published.Executable, environment: NoDotnet);
        await using var joiner = await HostProcess.StartAsync(
            ["--seed-nodes", $"akka.tcp://keepalive@127.0.0.1:{seedPort}"], executable: published.Executable, environment: NoDotnet);

        await Eventually.HoldsAsync(async () =>
        {
            var cluster = await (await joiner.Http.GetAsync("/api/cluster")).JsonAsync();
            var members = cluster.GetProperty("members").EnumerateArray().ToArray();
            return members.Length == 2 && members.All(m => m.Text("status") == "up" && m.GetProperty("pairs").ValueKind == JsonValueKind.Number);
        }, TimeSpan.FromSeconds(60), "both nodes up, each answering for its pairs");
        await Eventually.HoldsAsync(async () =>
        {
            var pairs = await (await joiner.Http.GetAsync("/api/providers")).JsonAsync();
            var hosts = await (await joiner.Http.GetAsync("/api/hosts")).JsonAsync();
            return pairs.GetProperty("total").GetInt32() == 3 && hosts.GetProperty("count").GetInt32() == 2;
        }, TimeSpan.FromSeconds(60), "the demo's pairs and hosts listed by the node that joined");
    }
}

/// <summary>deploy/systemd/keepalive.service starts what scripts/publish.sh makes, with flags the host has.</summary>
public sealed class SystemdUnitSpecs
{
    [Fact]
    public void The_systemd_unit_runs_the_installed_binary_with_flags_the_host_knows()
    {
        var unit = File.ReadAllText(Path.Combine(ProcessRun.RepositoryRoot(), "deploy", "systemd", "keepalive.service"));
        var execStart = Regex.Match(unit, @"^ExecStart=(?<command>(?:.*\\\n)*.*)$", RegexOptions.Multiline).Groups["command"].Value;

        Assert.StartsWith("/opt/keepalive/keepalive ", execStart);
        var flags = Regex.Matches(execStart, @"--[a-z-]+").Select(m => m.Value).ToArray();
        Assert.NotEmpty(flags);
        Assert.All(flags, flag => Assert.True(CommandLine.SwitchMappings.ContainsKey(flag) || flag == "--urls", $"{flag} is not a flag of the host"));
    }
}
