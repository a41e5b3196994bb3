using Akka.Cluster.Hosting.SBR;
using KeepAlive.Host.Config;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace KeepAlive.Actors.Tests.Host;

/// <summary>The host's cluster flags, each also a configuration key, as Program.cs turns them into Akka settings.</summary>
public sealed class ClusterHostSettingsSpecs
{
    [Fact]
    public void Without_cluster_flags_a_node_is_a_cluster_of_its_own_with_keep_majority_after_13s_and_a_2s_removal_margin()
    {
        var options = Bind();

        Assert.Empty(options.SeedNodeList());
        Assert.IsType<KeepMajorityOption>(options.ToSplitBrainResolver());
        Assert.Equal(Timing(13_000, 2_000), options.FailoverTimingHocon());
    }

    [Fact]
    public void Cluster_flags_set_address_seeds_roles_and_the_split_brain_resolver()
    {
        var options = Bind("--hostname", "10.0.0.7", "--port", "4054",
            "--seed-nodes", "akka.tcp://keepalive@10.0.0.5:4053, akka.tcp://keepalive@10.0.0.6:4053",
            "--roles", "keepalive,edge", "--split-brain-resolver", "keep-oldest", "--stable-after", "7s", "--down-removal-margin", "7s");

        Assert.Equal(("10.0.0.7", 4054), (options.Hostname, options.Port));
        Assert.Equal(["akka.tcp://keepalive@10.0.0.5:4053", "akka.tcp://keepalive@10.0.0.6:4053"], options.SeedNodeList());
        Assert.Equal(["keepalive", "edge"], options.RoleList());
        Assert.True(Assert.IsType<KeepOldestOption>(options.ToSplitBrainResolver()).DownIfAlone);
        Assert.Equal(Timing(7_000, 7_000), options.FailoverTimingHocon());
    }

    [Fact]
    public void Without_a_keep_alive_role_every_node_hosts_pairs_whatever_its_roles()
    {
        Assert.Null(Bind("--roles", "edge").ToShardingSettings().Role);
        Assert.True(Bind("--roles", "edge").HostsPairs());
    }

    [Fact]
    public void With_a_keep_alive_role_only_nodes_with_that_role_host_pairs()
    {
        var apiOnly = Bind("--roles", "edge", "--keepalive-role", "warmer");
        var warmer = Bind("--roles", "edge,warmer", "--keepalive-role", "warmer");

        Assert.Equal(("warmer", "warmer"), (apiOnly.ToShardingSettings().Role, warmer.ToShardingSettings().Role));
        Assert.False(apiOnly.HostsPairs());
        Assert.True(warmer.HostsPairs());
    }

    [Fact]
    public void The_cluster_settings_are_configuration_keys_too()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["KeepAlive:SeedNodes"] = "akka.tcp://keepalive@10.0.0.5:4053",
            ["KeepAlive:SplitBrainResolver"] = "keep-oldest",
        });

        Assert.Single(options.SeedNodeList());
        Assert.IsType<KeepOldestOption>(options.ToSplitBrainResolver());
    }

    [Theory]
    [InlineData("--split-brain-resolver", "static-quorum", "SplitBrainResolver")]
    [InlineData("--stable-after", "soon", "StableAfter")]
    [InlineData("--down-removal-margin", "0s", "DownRemovalMargin")]
    public void A_bad_cluster_setting_stops_the_start_naming_the_setting(string flag, string value, string setting)
    {
        var options = Bind(flag, value);

        var error = Assert.Throws<HostSettingsException>(() => (options.ToSplitBrainResolver(), options.FailoverTimingHocon()));
        Assert.Contains($"KeepAlive:{setting}", error.Message);
    }

    private static string Timing(long stableAfterMs, long marginMs) => $"""
        akka.cluster.split-brain-resolver.stable-after = {stableAfterMs}ms
        akka.cluster.down-removal-margin = {marginMs}ms
        """;

    private static KeepAliveHostOptions Bind(params string[] args) =>
        new ConfigurationBuilder().AddCommandLine(CommandLine.Normalize(args), CommandLine.SwitchMappings.ToDictionary()).Build()
            .GetSection(KeepAliveHostOptions.Section).Get<KeepAliveHostOptions>() ?? new KeepAliveHostOptions();

    private static KeepAliveHostOptions Bind(Dictionary<string, string?> keys) =>
        new ConfigurationBuilder().AddInMemoryCollection(keys).Build()
            .GetSection(KeepAliveHostOptions.Section).Get<KeepAliveHostOptions>() ?? new KeepAliveHostOptions();
}
