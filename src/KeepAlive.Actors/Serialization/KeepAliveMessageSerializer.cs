using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using KeepAlive.Actors.Pairs;
using static KeepAlive.Actors.Entities.EntityListingProtocol;
using static KeepAlive.Actors.Hosts.HostGateProtocol;
using static KeepAlive.Actors.Pairs.PairProtocol;

namespace KeepAlive.Actors.Serialization;

/// <summary>
/// The wire format of every <see cref="IKeepAliveMessage"/>: System.Text.Json bodies under short manifests
/// that never change, so nodes of different builds (a rolling deploy) understand each other and renaming a
/// C# type does not break the wire. A manifest may be added, never reused for another shape.
/// </summary>
public sealed class KeepAliveMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's id on the wire; Akka reserves 0–100.</summary>
    public const int SerializerId = 4170;

    /// <summary>The name the serializer is bound under in <c>akka.actor.serializers</c>.</summary>
    public const string SerializerName = "keepalive";

    private static readonly IReadOnlyDictionary<string, Type> TypesByManifest = new Dictionary<string, Type>
    {
        ["p.usage"] = typeof(RecordUsage),
        ["p.unregister"] = typeof(Unregister),
        ["p.get-status"] = typeof(GetPairStatus),
        ["p.rewrite-schedule"] = typeof(RewriteSchedule),
        ["p.resume"] = typeof(ResumeSchedule),
        ["p.handed-over"] = typeof(ScheduleHandedOver),
        ["p.status"] = typeof(PairStatus),
        ["p.last-ping"] = typeof(LastPing),
        ["p.ping-now"] = typeof(PingNow),
        ["p.ping-now-answered"] = typeof(PingNowAnswered),
        ["h.used"] = typeof(HostUsed),
        ["h.request-started"] = typeof(RequestStarted),
        ["h.request-finished"] = typeof(RequestFinished),
        ["h.lease-request"] = typeof(RequestPingLease),
        ["h.lease-granted"] = typeof(PingLeaseGranted),
        ["h.busy"] = typeof(HostBusy),
        ["h.lease-release"] = typeof(ReleasePingLease),
        ["h.get-status"] = typeof(GetHostStatus),
        ["h.status"] = typeof(HostStatus),
        ["k.confirmed"] = typeof(Confirmed),
        ["e.list"] = typeof(ListEntities),
        ["e.page"] = typeof(EntitiesPage),
        ["e.unavailable"] = typeof(EntitiesUnavailable),
        ["e.count"] = typeof(CountEntities),
        ["e.counted"] = typeof(EntitiesCounted),
    };

    private static readonly IReadOnlyDictionary<Type, string> ManifestsByType =
        TypesByManifest.ToDictionary(binding => binding.Value, binding => binding.Key);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Enum names, not numbers: reordering an enum must not change what a peer reads.
        Converters = { new JsonStringEnumConverter(), new PairKeyConverter(), new RecordUsageConverter() },
    };

    /// <summary>Every message type with its manifest; a test checks each round-trips.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => ManifestsByType;

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        ManifestsByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} has no keep-alive manifest; add one to {nameof(KeepAliveMessageSerializer)}.", nameof(o));

    public override byte[] ToBinary(object obj)
    {
        // Asking for the manifest first rejects a type that could not be read back.
        Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        TypesByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"Empty keep-alive message for manifest '{manifest}'.")
            : throw new SerializationException($"Unknown keep-alive manifest '{manifest}'.");

    /// <summary>A pair as <c>{"model": ..., "host": ...}</c>; its constructor is private so every key is built by <see cref="PairKey.From"/>.</summary>
    private sealed class PairKeyConverter : JsonConverter<PairKey>
    {
        public override PairKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var wire = JsonSerializer.Deserialize<WireKey>(ref reader, options) ?? throw new JsonException("A pair must not be null.");
            return PairKey.From(wire.Model, wire.Host);
        }

        public override void Write(Utf8JsonWriter writer, PairKey value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, new WireKey(value.Model, value.Host), options);

        private sealed record WireKey(string Model, string Host);
    }

    /// <summary><see cref="RecordUsage"/> has a convenience constructor besides its own, so the reader is told which to use.</summary>
    private sealed class RecordUsageConverter : JsonConverter<RecordUsage>
    {
        public override RecordUsage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var wire = JsonSerializer.Deserialize<WireUsage>(ref reader, options) ?? throw new JsonException("A usage must not be null.");
            return new RecordUsage(wire.Pair, wire.KeepAlive) { Confirm = wire.Confirm };
        }

        public override void Write(Utf8JsonWriter writer, RecordUsage value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, new WireUsage(value.Pair, value.KeepAlive, value.Confirm), options);

        // Confirm came later and is left out when false: a told usage reads as it always did, and a node that does not
        // know the field reads the rest and answers nothing (the asker times out).
        private sealed record WireUsage(
            PairKey Pair,
            string? KeepAlive,
            [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Confirm = false);
    }
}
