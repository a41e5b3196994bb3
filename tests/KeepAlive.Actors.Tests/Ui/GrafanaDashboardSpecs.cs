using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using KeepAlive.Actors.Pinging;
using KeepAlive.Actors.Tests.Api;
using Xunit;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>
/// deploy/grafana/keepalive.json against a real host's <c>/metrics</c>: every metric a panel queries, and
/// every label it groups by, must be exported, so the dashboard cannot drift from the code.
/// </summary>
public sealed partial class GrafanaDashboardSpecs
{
    // Prometheus adds these when it scrapes; a host's own /metrics cannot have them.
    private static readonly HashSet<string> ScrapeLabels = ["instance", "job"];

    private static string DashboardPath => Path.Combine(ProcessRun.RepositoryRoot(), "deploy", "grafana", "keepalive.json");

    [Fact]
    public void The_dashboard_is_ready_to_import_with_a_prometheus_data_source_chosen_at_import()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var root = dashboard.RootElement;

        var input = Assert.Single(root.GetProperty("__inputs").EnumerateArray());
        Assert.Equal("DS_PROMETHEUS", input.GetProperty("name").GetString());
        Assert.Equal("prometheus", input.GetProperty("pluginId").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("uid").GetString()));
        var panels = root.GetProperty("panels").EnumerateArray().ToArray();
        Assert.Equal(panels.Length, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        Assert.All(panels.SelectMany(p => p.GetProperty("targets").EnumerateArray().Append(p)), element =>
            Assert.Equal("${DS_PROMETHEUS}", element.GetProperty("datasource").GetProperty("uid").GetString()));
        Assert.Equivalent(
            new[] { "Pings by outcome", "Ping latency", "Ping lateness", "Skips by reason", "Active pairs per node", "Store backlog per node", "Store lag per node", "Failures by host" },
            panels.Select(p => p.GetProperty("title").GetString()).ToArray());
    }

    [Fact]
    public async Task Every_metric_and_label_the_dashboard_queries_is_in_a_real_hosts_metrics_after_a_few_pings()
    {
        var queries = Queries(DashboardPath);
        Assert.NotEmpty(queries);

        await using var servers = await PingOutcomeServers.StartAsync();
        await using var host = await HostProcess.StartAsync(["--models-config", servers.ModelsConfig]);
        await host.WaitUntilReadyAsync();
        await servers.RecordUsageAsync(host);
        await Eventually.HoldsAsync(async () =>
        {
            var metrics = await host.Http.GetStringAsync("/metrics");
            return new[] { "keepalive_pings_failed_total{", "keepalive_pings_skipped_total{", "keepalive_pings_deferred_total{", "keepalive_ping_latency_seconds_bucket{" }
                .All(metrics.Contains);
        }, ApiHost.Patience, "a success, a failure, a busy skip and a deferred ping in /metrics");
        await servers.FinishRequestAsync(host);

        var exported = Series(await host.Http.GetStringAsync("/metrics"));
        foreach (var query in queries)
        {
            var metrics = MetricName().Matches(query).Select(m => m.Value).Distinct().ToArray();
            Assert.NotEmpty(metrics);
            foreach (var metric in metrics) Assert.True(exported.ContainsKey(metric), $"{metric} (queried by `{query}`) is not in /metrics");

            var labels = GroupedLabels().Matches(query).SelectMany(m => m.Groups["labels"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            foreach (var label in labels.Where(l => !ScrapeLabels.Contains(l)))
            {
                Assert.True(metrics.Any(m => exported[m].Contains(label)), $"no series of {string.Join(", ", metrics)} has the label {label} (`{query}`)");
            }
        }
    }

    /// <summary>Every PromQL text of the dashboard: the panels' queries and the template variables'.</summary>
    private static IReadOnlyList<string> Queries(string path)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var root = dashboard.RootElement;
        var panelQueries = root.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!);
        var variableQueries = root.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Select(v => v.GetProperty("definition").GetString()!);
        return panelQueries.Concat(variableQueries).ToArray();
    }

    /// <summary>Series name → every label name it is exported with.</summary>
    private static Dictionary<string, HashSet<string>> Series(string metrics)
    {
        var series = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in metrics.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var match = SeriesLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus series line: {line}");
            var labels = series.TryGetValue(match.Groups["name"].Value, out var known) ? known : series[match.Groups["name"].Value] = [];
            labels.UnionWith(LabelName().Matches(match.Groups["labels"].Value).Select(m => m.Groups["label"].Value));
        }

        return series;
    }

    [GeneratedRegex(@"\bkeepalive_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\b(?:by|without)\s*\((?<labels>[^)]*)\)")]
    private static partial Regex GroupedLabels();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>.*)\})?\s")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"(?<label>[a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();

    /// <summary>Model servers and pairs that produce each outcome the dashboard shows: success, failure, busy skip, deferral.</summary>
    private sealed class PingOutcomeServers : IAsyncDisposable
    {
        private readonly FakeModelServer _fine;
        private readonly FakeModelServer _failing;
        private readonly FakeModelServer _shared;
        private readonly FakeModelServer _inUse;

        private PingOutcomeServers(FakeModelServer fine, FakeModelServer failing, FakeModelServer shared, FakeModelServer inUse)
        {
            (_fine, _failing, _shared, _inUse) = (fine, failing, shared, inUse);
            _failing.Respond(PingRequestFactory.ChatCompletionsPath, FakeResponse.Status(503));
            ModelsConfig = ApiHost.WriteModelsConfig(
            [
                new TestProvider("fine", fine), new TestProvider("failing", failing),
                new TestProvider("shared-a", shared), new TestProvider("shared-b", shared), new TestProvider("in-use", inUse),
            ]);
        }

        public string ModelsConfig { get; }

        public static async Task<PingOutcomeServers> StartAsync() => new(
            await FakeModelServer.StartAsync(), await FakeModelServer.StartAsync(), await FakeModelServer.StartAsync(), await FakeModelServer.StartAsync());

        public async Task RecordUsageAsync(HostProcess host)
        {
            await host.Http.PostAsJsonAsync("/api/hosts/requests/start", new { host = _inUse.Host });
            foreach (var (model, server) in new[] { ("fine", _fine), ("failing", _failing), ("shared-a", _shared), ("shared-b", _shared), ("in-use", _inUse) })
            {
                await host.PostUsageAsync(model, server.Host, "1s");
            }
        }

        public Task FinishRequestAsync(HostProcess host) => host.Http.PostAsJsonAsync("/api/hosts/requests/finish", new { host = _inUse.Host });

        public async ValueTask DisposeAsync()
        {
            foreach (var server in new[] { _fine, _failing, _shared, _inUse }) await server.DisposeAsync();
        }
    }
}
