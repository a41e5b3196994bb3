using System.Net;
using KeepAlive.Actors.Tests.Api;
using KeepAlive.Host;
using Xunit;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary><c>keepalive --version</c> and <c>/healthz</c> say which version and commit run.</summary>
public sealed class BuildInfoSpecs
{
    [Theory]
    [InlineData("0.1.0+5356d3e404b085ff1efc44511dd8d1d669cea9a3", "0.1.0", "5356d3e404b085ff1efc44511dd8d1d669cea9a3")]
    [InlineData("1.2.3-beta.1+abc", "1.2.3-beta.1", "abc")]
    [InlineData("0.1.0", "0.1.0", BuildInfo.UnknownCommit)]
    [InlineData(null, "0.0.0", BuildInfo.UnknownCommit)]
    public void The_informational_version_splits_into_version_and_commit(string? informational, string version, string commit) =>
        Assert.Equal(new BuildInfo(version, commit), BuildInfo.FromInformationalVersion(informational));

    [Fact]
    public async Task Version_prints_the_version_and_a_commit_of_this_repository()
    {
        var run = await ProcessRun.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "KeepAlive.Host.dll"), "--version"], TimeSpan.FromSeconds(60));

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^keepalive \d+\.\d+\.\d+ \(commit [0-9a-f]{40}\)$", run.Output.Trim());
        Assert.Equal(BuildInfo.Current.ToString(), run.Output.Trim());
        // The build that ran the tests may be older than HEAD; its commit must still be one of ours.
        var commit = await ProcessRun.GitAsync("cat-file", "-t", BuildInfo.Current.Commit);
        Assert.Equal("commit", commit);
    }

    [Fact]
    public async Task Healthz_names_the_version_and_commit()
    {
        await using var host = await HostProcess.StartAsync(["--api-token", "healthz-needs-no-token"]);
        await host.WaitUntilReadyAsync();

        var health = await host.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var body = await health.JsonAsync();
        Assert.Equal(BuildInfo.Current.Version, body.Text("version"));
        Assert.Equal(BuildInfo.Current.Commit, body.Text("commit"));
        Assert.Matches("^[0-9a-f]{40}$", body.Text("commit"));
    }
}
