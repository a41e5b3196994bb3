using System.Text;
using Akka.Actor;
using KeepAlive.Actors.Entities;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Serialization;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using static KeepAlive.Actors.Entities.EntityListingProtocol;
using static KeepAlive.Actors.Hosts.HostGateProtocol;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Tests.Serialization;

/// <summary>
/// The messages that cross nodes, through the serializer a node started with <c>WithKeepAlive</c> binds.
/// </summary>
public sealed class KeepAliveMessageSerializationSpecs(KeepAliveNodeFixture fixture) : IClassFixture<KeepAliveNodeFixture>
{
    private static readonly PairKey Pair = PairKey.From("model: gemma|v2", "http://10.0.0.5:7000/");
    private static readonly DateTimeOffset At = new(2026, 11, 27, 17, 30, 1, 250, TimeSpan.Zero);

    private Akka.Serialization.Serialization Serialization => fixture.Node.System.Serialization;

    /// <summary>
    /// The wire format, pinned: every message that crosses nodes, each optional field set and not, with its manifest
    /// and the exact JSON a node of another build writes and reads (a rolling deploy). A new message adds a row here;
    /// a renamed manifest, field or enum value fails.
    /// </summary>
    public static TheoryData<string, IKeepAliveMessage, string> Wire() => new()
    {
        {
            "p.usage",
            new RecordUsage(Pair, "5m"),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"keepAlive":"5m"}"""
        },
        {
            "p.usage",
            new RecordUsage(Pair, null),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"keepAlive":null}"""
        },
        {
            "p.usage",
            new RecordUsage(Pair, "5m") { Confirm = true },
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"keepAlive":"5m","confirm":true}"""
        },
        {
            "p.unregister",
            new Unregister(Pair),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"}}"""
        },
        {
            "p.unregister",
            new Unregister(Pair) { Confirm = true },
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"confirm":true}"""
        },
        {
            "p.resume",
            new ResumeSchedule(Pair, 120, At),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"keepAliveSeconds":120,"nextWakeUp":"2026-11-27T17:30:01.25+00:00"}"""
        },
        {
            "p.handed-over",
            new ScheduleHandedOver(new PairStatus(Pair, 300, PairState.BackingOff, At, At.AddMinutes(-1),
                new LastPing(At, false, 503, TimeSpan.FromMilliseconds(40), "HttpStatus: 503"), 1, null, null, "akka.tcp://keepalive@127.0.0.1:4053")),
            """{"predecessor":{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"keepAliveSeconds":300,"state":"BackingOff","nextWakeUp":"2026-11-27T17:30:01.25+00:00","lastUsage":"2026-11-27T17:29:01.25+00:00","lastPing":{"at":"2026-11-27T17:30:01.25+00:00","succeeded":false,"statusCode":503,"latency":"00:00:00.0400000","failure":"HttpStatus: 503"},"consecutiveFailures":1,"lastSkip":null,"reason":null,"node":"akka.tcp://keepalive@127.0.0.1:4053"}}"""
        },
        {
            "k.confirmed",
            Confirmed.Instance,
            """{}"""
        },
        {
            "p.get-status",
            new GetPairStatus(Pair),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"}}"""
        },
        {
            "p.rewrite-schedule",
            new RewriteSchedule(Pair),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"}}"""
        },
        {
            "p.last-ping",
            new LastPing(At, false, 503, TimeSpan.FromMilliseconds(1234.5), "HttpStatus: 503"),
            """{"at":"2026-11-27T17:30:01.25+00:00","succeeded":false,"statusCode":503,"latency":"00:00:01.2345000","failure":"HttpStatus: 503"}"""
        },
        {
            "p.status",
            new PairStatus(Pair, 300, PairState.BackingOff, At, At.AddMinutes(-1),
                new LastPing(At, true, 200, TimeSpan.FromMilliseconds(12), null), 2, "host busy with llama", null, "akka.tcp://keepalive@127.0.0.1:4053"),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"keepAliveSeconds":300,"state":"BackingOff","nextWakeUp":"2026-11-27T17:30:01.25+00:00","lastUsage":"2026-11-27T17:29:01.25+00:00","lastPing":{"at":"2026-11-27T17:30:01.25+00:00","succeeded":true,"statusCode":200,"latency":"00:00:00.0120000","failure":null},"consecutiveFailures":2,"lastSkip":"host busy with llama","reason":null,"node":"akka.tcp://keepalive@127.0.0.1:4053"}"""
        },
        {
            "p.status",
            new PairStatus(Pair, 0, PairState.Off, null, null, null, 0, null, "keep_alive is off", "akka://keepalive"),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"keepAliveSeconds":0,"state":"Off","nextWakeUp":null,"lastUsage":null,"lastPing":null,"consecutiveFailures":0,"lastSkip":null,"reason":"keep_alive is off","node":"akka://keepalive"}"""
        },
        {
            "p.ping-now",
            new PingNow(Pair),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"}}"""
        },
        {
            "p.ping-now-answered",
            new PingNowAnswered(Pair, PingNowOutcome.Pinged, new LastPing(At, true, 200, TimeSpan.FromMilliseconds(12), null), null),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"outcome":"Pinged","ping":{"at":"2026-11-27T17:30:01.25+00:00","succeeded":true,"statusCode":200,"latency":"00:00:00.0120000","failure":null},"detail":null}"""
        },
        {
            "p.ping-now-answered",
            new PingNowAnswered(Pair, PingNowOutcome.HostBusy, null, "llama"),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"outcome":"HostBusy","ping":null,"detail":"llama"}"""
        },
        {
            "h.used",
            new HostUsed(Pair.Host, Pair.Model),
            """{"host":"http://10.0.0.5:7000/","model":"model: gemma|v2"}"""
        },
        {
            "h.request-started",
            new RequestStarted(Pair.Host),
            """{"host":"http://10.0.0.5:7000/"}"""
        },
        {
            "h.request-started",
            new RequestStarted(Pair.Host) { Confirm = true },
            """{"host":"http://10.0.0.5:7000/","confirm":true}"""
        },
        {
            "h.request-finished",
            new RequestFinished(Pair.Host),
            """{"host":"http://10.0.0.5:7000/"}"""
        },
        {
            "h.request-finished",
            new RequestFinished(Pair.Host) { Confirm = true },
            """{"host":"http://10.0.0.5:7000/","confirm":true}"""
        },
        {
            "h.lease-request",
            new RequestPingLease(Pair.Host, Pair, 42),
            """{"host":"http://10.0.0.5:7000/","pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"attempt":42}"""
        },
        {
            "h.lease-granted",
            new PingLeaseGranted(Pair, 42),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"attempt":42}"""
        },
        {
            "h.busy",
            new HostBusy(Pair, 42, "llama"),
            """{"pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"attempt":42,"occupant":"llama"}"""
        },
        {
            "h.lease-release",
            new ReleasePingLease(Pair.Host, Pair, 42),
            """{"host":"http://10.0.0.5:7000/","pair":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"attempt":42}"""
        },
        {
            "h.get-status",
            new GetHostStatus(Pair.Host),
            """{"host":"http://10.0.0.5:7000/"}"""
        },
        {
            "h.status",
            new HostStatus(Pair.Host, "gemma", 3, Pair, 2),
            """{"host":"http://10.0.0.5:7000/","occupant":"gemma","requestsInFlight":3,"leaseHolder":{"model":"model: gemma|v2","host":"http://10.0.0.5:7000/"},"waiting":2}"""
        },
        {
            "h.status",
            new HostStatus(Pair.Host, null, 0, null, 0),
            """{"host":"http://10.0.0.5:7000/","occupant":null,"requestsInFlight":0,"leaseHolder":null,"waiting":0}"""
        },
        {
            "e.list",
            new ListEntities("keepalive-provider"),
            """{"regionName":"keepalive-provider"}"""
        },
        {
            "e.page",
            new EntitiesPage([new ShardEntities("17", [Pair.EntityId, "llama|http://10.0.0.6:7000"])], Last: false),
            """{"shards":[{"shardId":"17","entityIds":["model: gemma|v2|http://10.0.0.5:7000/","llama|http://10.0.0.6:7000"]}],"last":false}"""
        },
        {
            "e.page",
            new EntitiesPage([], Last: true),
            """{"shards":[],"last":true}"""
        },
        {
            "e.unavailable",
            new EntitiesUnavailable("keepalive-provider", "the region did not answer within 5 s"),
            """{"regionName":"keepalive-provider","reason":"the region did not answer within 5 s"}"""
        },
        {
            "e.count",
            new CountEntities("keepalive-provider"),
            """{"regionName":"keepalive-provider"}"""
        },
        {
            "e.counted",
            new EntitiesCounted(33_334),
            """{"count":33334}"""
        },
    };

    [Theory]
    [MemberData(nameof(Wire))]
    public void A_message_is_written_as_its_pinned_json_under_its_manifest(string manifest, IKeepAliveMessage message, string json)
    {
        var serializer = Serialization.FindSerializerFor(message);

        Assert.IsType<KeepAliveMessageSerializer>(serializer);
        Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Assert.Equal(json, Encoding.UTF8.GetString(serializer.ToBinary(message)));
    }

    [Theory]
    [MemberData(nameof(Wire))]
    public void The_pinned_json_reads_back_as_the_message(string manifest, IKeepAliveMessage message, string json)
    {
        var read = Serialization.Deserialize(Encoding.UTF8.GetBytes(json), KeepAliveMessageSerializer.SerializerId, manifest);

        Assert.Equal(message, read);
    }

    /// <summary>
    /// Entity pages are cut by an estimate of their size; it must never fall short of what the serializer writes, or a
    /// page could outgrow the frame and be dropped. Names here hold every kind of character the encoder escapes.
    /// </summary>
    [Fact]
    public void An_entity_page_is_never_larger_on_the_wire_than_its_budget()
    {
        const string Awkward = "<>&'+`\"\\é😀\u0001 ~/:|";
        var ids = Enumerable.Range(0, 300)
            .Select(i => $"{i}{string.Concat(Enumerable.Repeat(Awkward, 40))}|http://{string.Concat(Enumerable.Repeat(Awkward, 40))}")
            .ToArray();

        var pages = EntityPages.Split([new ShardEntities("3", ids[..150]), new ShardEntities("4", ids[150..])]);

        Assert.True(pages.Count > 2, $"{pages.Count} page(s)");
        // The page's own braces and "last" are not in the budget: at most 27 bytes.
        Assert.All(pages, page => Assert.InRange(Serialization.FindSerializerFor(page).ToBinary(page).Length, 1, EntityPages.BudgetBytes + 27));
    }

    [Fact]
    public void Every_message_type_that_crosses_nodes_has_a_manifest_and_a_pinned_sample()
    {
        var marked = typeof(IKeepAliveMessage).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IKeepAliveMessage).IsAssignableFrom(type))
            .ToHashSet();
        var sampled = Wire().Select(row => ((IKeepAliveMessage)row[1]).GetType()).ToHashSet();

        Assert.Equal(marked.OrderBy(t => t.FullName), KeepAliveMessageSerializer.Manifests.Keys.OrderBy(t => t.FullName));
        Assert.Equal(marked.OrderBy(t => t.FullName), sampled.OrderBy(t => t.FullName));
    }
}
