using System.Text;
using Akka.Actor;
using KeepAlive.Actors.Providers;
using KeepAlive.Actors.Serialization;
using KeepAlive.Actors.Tests.Fixtures;
using Xunit;
using static KeepAlive.Actors.Hosts.HostGateProtocol;
using static KeepAlive.Actors.Providers.ProviderProtocol;

namespace KeepAlive.Actors.Tests.Serialization;

/// <summary>
/// The messages that cross nodes, through the serializer a node started with <c>WithKeepAlive</c> binds.
/// </summary>
public sealed class KeepAliveMessageSerializationSpecs : IAsyncLifetime
{
    private static readonly ProviderKey Pair = ProviderKey.From("model: gemma|v2", "http://10.0.0.5:7000/");
    private static readonly DateTimeOffset At = new(2026, 11, 27, 17, 30, 1, 250, TimeSpan.Zero);

    private KeepAliveTestNode _node = null!;

    /// <summary>One sample of every message that crosses nodes, with every optional field set or not.</summary>
    public static TheoryData<IKeepAliveMessage> Messages() =>
    [
        new RecordUsage(Pair, "5m"),
        new RecordUsage(Pair, null),
        new RecordUsage(Pair, "5m") { Confirm = true },
        new Unregister(Pair),
        new Unregister(Pair) { Confirm = true },
        new ResumeSchedule(Pair, 120, At),
        new ScheduleHandedOver(new ProviderStatus(Pair, 300, PairState.BackingOff, At, At.AddMinutes(-1),
            new LastPing(At, false, 503, TimeSpan.FromMilliseconds(40), "HttpStatus: 503"), 1, null, null, "akka.tcp://keepalive@127.0.0.1:4053")),
        Confirmed.Instance,
        new GetProviderStatus(Pair),
        new RewriteSchedule(Pair),
        new LastPing(At, false, 503, TimeSpan.FromMilliseconds(1234.5), "HttpStatus: 503"),
        new ProviderStatus(Pair, 300, PairState.BackingOff, At, At.AddMinutes(-1),
            new LastPing(At, true, 200, TimeSpan.FromMilliseconds(12), null), 2, "host busy with llama", null, "akka.tcp://keepalive@127.0.0.1:4053"),
        new ProviderStatus(Pair, 0, PairState.Off, null, null, null, 0, null, "keep_alive is off", "akka://keepalive"),
        new HostUsed(Pair.Host, Pair.Model),
        new RequestStarted(Pair.Host),
        new RequestStarted(Pair.Host) { Confirm = true },
        new RequestFinished(Pair.Host),
        new RequestFinished(Pair.Host) { Confirm = true },
        new RequestPingLease(Pair.Host, Pair, 42),
        new PingLeaseGranted(Pair, 42),
        new HostBusy(Pair, 42, "llama"),
        new ReleasePingLease(Pair.Host, Pair, 42),
        new GetHostStatus(Pair.Host),
        new HostStatus(Pair.Host, "gemma", 3, Pair, 2),
        new HostStatus(Pair.Host, null, 0, null, 0),
    ];

    public async Task InitializeAsync() => _node = await KeepAliveTestNode.StartAsync(new TestNodeOptions());

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_that_crosses_nodes_round_trips_through_the_keep_alive_serializer(IKeepAliveMessage message)
    {
        var serialization = _node.System.Serialization;
        var serializer = serialization.FindSerializerFor(message);

        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);

        Assert.IsType<KeepAliveMessageSerializer>(serializer);
        Assert.Equal(message, serialization.Deserialize(bytes, serializer.Identifier, manifest));
    }

    [Fact]
    public void Every_message_type_that_crosses_nodes_has_a_manifest_and_a_round_trip_sample()
    {
        var marked = typeof(IKeepAliveMessage).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IKeepAliveMessage).IsAssignableFrom(type))
            .ToHashSet();
        var sampled = ((IEnumerable<object[]>)Messages()).Select(row => row[0].GetType()).ToHashSet();

        Assert.Equal(marked.OrderBy(t => t.FullName), KeepAliveMessageSerializer.Manifests.Keys.OrderBy(t => t.FullName));
        Assert.Equal(marked.OrderBy(t => t.FullName), sampled.OrderBy(t => t.FullName));
    }

    [Fact]
    public void The_wire_format_names_fields_not_CSharp_types()
    {
        var serializer = (KeepAliveMessageSerializer)_node.System.Serialization.FindSerializerFor(new RecordUsage(Pair, "5m"));

        var json = Encoding.UTF8.GetString(serializer.ToBinary(new RecordUsage(Pair, "5m")));

        // Pinned: a node of another build must read exactly this.
        Assert.Equal("{\"pair\":{\"model\":\"model: gemma|v2\",\"host\":\"http://10.0.0.5:7000/\"},\"keepAlive\":\"5m\"}", json);
        Assert.Equal("p.usage", serializer.Manifest(new RecordUsage(Pair, "5m")));
    }
}
