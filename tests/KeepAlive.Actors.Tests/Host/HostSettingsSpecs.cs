using KeepAlive.Actors.Config;
using KeepAlive.Host.Config;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace KeepAlive.Actors.Tests.Host;

/// <summary>The host's flags as a user types them, through the same configuration path as Program.</summary>
public sealed class HostSettingsSpecs
{
    [Fact]
    public void Schedule_flags_set_the_prefix_clear_on_start_and_intervals()
    {
        var options = Options("--redis", "127.0.0.1:6390", "--redis-prefix", "x", "--clear-on-start", "--flush-interval", "2s", "--sweep-interval", "1m");

        var scheduler = options.ToSchedulerSettings();

        Assert.Equal(("127.0.0.1:6390", "x"), (options.Redis, options.RedisPrefix));
        Assert.True(scheduler.ClearOnStart);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)), (scheduler.FlushInterval, scheduler.SweepInterval));
    }

    [Fact]
    public void Without_flags_the_schedule_uses_the_embedded_store_and_the_documented_defaults()
    {
        var options = Options();

        var scheduler = options.ToSchedulerSettings();

        Assert.Equal((null, "keepalive"), (options.Redis, options.RedisPrefix));
        Assert.False(scheduler.ClearOnStart);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), (scheduler.FlushInterval, scheduler.SweepInterval));
    }

    [Fact]
    public void Clear_on_start_as_the_last_flag_stands_alone()
    {
        Assert.True(Options("--flush-interval", "2s", "--clear-on-start").ToSchedulerSettings().ClearOnStart);
    }

    [Theory]
    [InlineData("--flush-interval", "soon", "KeepAlive:FlushInterval")]
    [InlineData("--sweep-interval", "30", "KeepAlive:SweepInterval")]
    [InlineData("--flush-interval", "0s", "KeepAlive:FlushInterval")]
    public void A_bad_duration_is_an_error_naming_the_setting(string flag, string value, string setting)
    {
        var error = Assert.Throws<HostSettingsException>(() => Options(flag, value).ToSchedulerSettings());

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void Without_ping_flags_a_ping_is_the_originals_request()
    {
        var settings = Options().ToKeepAliveSettings();

        Assert.Equal(("Send an empty message.", 56, 0.0m), (settings.PingPrompt, settings.PingMaxTokens, settings.PingTemperature));
    }

    [Fact]
    public void Ping_flags_set_the_prompt_max_tokens_and_temperature()
    {
        var settings = Options("--ping-prompt", "Reply OK.", "--ping-max-tokens", "8", "--ping-temperature", "0.7").ToKeepAliveSettings();

        Assert.Equal(("Reply OK.", 8, 0.7m), (settings.PingPrompt, settings.PingMaxTokens, settings.PingTemperature));
    }

    [Theory]
    [InlineData("--ping-prompt", "  ", "PingPrompt")]
    [InlineData("--ping-max-tokens", "0", "PingMaxTokens")]
    [InlineData("--ping-max-tokens", "-5", "PingMaxTokens")]
    [InlineData("--ping-max-tokens", "many", "KeepAlive:PingMaxTokens")]
    [InlineData("--ping-max-tokens", "1.5", "KeepAlive:PingMaxTokens")]
    [InlineData("--ping-max-tokens", "99999999999", "KeepAlive:PingMaxTokens")]
    [InlineData("--ping-temperature", "2.5", "PingTemperature")]
    [InlineData("--ping-temperature", "-0.1", "PingTemperature")]
    [InlineData("--ping-temperature", "hot", "KeepAlive:PingTemperature")]
    [InlineData("--ping-temperature", "0,7", "KeepAlive:PingTemperature")]
    [InlineData("--ping-temperature", "1e400", "KeepAlive:PingTemperature")]
    public void A_bad_ping_setting_is_an_error_naming_the_setting(string flag, string value, string setting)
    {
        var error = Assert.Throws<HostSettingsException>(() => Options(flag, value).ToKeepAliveSettings());

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void Without_max_unconfirmed_the_recorder_takes_the_librarys_default_of_20000_commands_in_flight()
    {
        var recorder = Options().ToUsageRecorderSettings();

        Assert.Equal(new UsageRecorderSettings(), recorder);
        Assert.Equal(20_000, recorder.MaxUnconfirmed);
    }

    [Fact]
    public void Max_unconfirmed_bounds_the_commands_in_flight_and_leaves_the_other_recorder_settings()
    {
        Assert.Equal(new UsageRecorderSettings { MaxUnconfirmed = 100 }, Options("--max-unconfirmed", "100").ToUsageRecorderSettings());
    }

    [Theory]
    [InlineData("0", "MaxUnconfirmed")]
    [InlineData("-5", "MaxUnconfirmed")]
    [InlineData("many", "KeepAlive:MaxUnconfirmed")]
    [InlineData("1.5", "KeepAlive:MaxUnconfirmed")]
    [InlineData("99999999999", "KeepAlive:MaxUnconfirmed")]
    public void A_bad_max_unconfirmed_is_an_error_naming_the_setting(string value, string setting)
    {
        var error = Assert.Throws<HostSettingsException>(() => Options("--max-unconfirmed", value).ToUsageRecorderSettings());

        Assert.Contains(setting, error.Message);
    }

    [Theory]
    [InlineData(new[] { "--models-config", "m.json" }, ModelSelection.ActiveModels)]
    [InlineData(new[] { "--models-config", "m.json", "--all-models" }, ModelSelection.AllModels)]
    [InlineData(new[] { "--all-models", "--models-config", "m.json" }, ModelSelection.AllModels)]
    [InlineData(new[] { "--models-config", "m.json", "--all-models", "false" }, ModelSelection.ActiveModels)]
    public void Models_config_loads_the_active_models_unless_all_models_is_set(string[] args, ModelSelection expected)
    {
        Assert.Equal(new ModelsConfigFile("m.json", expected), ModelsConfigFile.From(Options(args)));
    }

    [Fact]
    public void Without_a_models_config_there_is_no_file_to_load()
    {
        Assert.Null(ModelsConfigFile.From(Options("--all-models")));
    }

    [Fact]
    public void Router_occupancy_is_read_from_the_redis_given_and_without_one_the_error_names_both_flags()
    {
        Assert.True(Options("--redis", "127.0.0.1:6390", "--router-occupancy").ChecksRouterOccupancy());
        Assert.False(Options("--redis", "127.0.0.1:6390").ChecksRouterOccupancy());

        var error = Assert.Throws<HostSettingsException>(() => Options("--router-occupancy").ChecksRouterOccupancy());

        Assert.Contains("--router-occupancy", error.Message);
        Assert.Contains("--redis", error.Message);
    }

    private static KeepAliveHostOptions Options(params string[] args) =>
        KeepAliveHostOptions.From(new ConfigurationBuilder().AddKeepAliveFlags(args).Build());
}
