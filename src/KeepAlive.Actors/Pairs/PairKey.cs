namespace KeepAlive.Actors.Pairs;

/// <summary>
/// One <c>(model, host)</c> pair: the unit the service keeps warm. Its <see cref="EntityId"/>
/// (<c>&lt;model&gt;|&lt;host&gt;</c>) is both the sharding entity id and the Redis sorted-set member.
/// </summary>
/// <remarks>
/// Names are kept as the router spells them (only surrounding whitespace is dropped), because the
/// Python router's keep-alive monitor writes its Redis keys from them and a pair it registered must be found under the same
/// keys. Matching against models-config and meeting on one host gate use
/// <see cref="NormalizeModel"/> and <see cref="NormalizeHost"/>.
/// </remarks>
public sealed record PairKey
{
    private const char Separator = '|';

    // The entity id is read by the shard extractor for every message: built once, not per read; a key parsed from an
    // entity id keeps that string rather than building an equal one (a node holds one key per pair).
    private PairKey(string model, string host, string? entityId = null)
    {
        Model = model;
        Host = host;
        EntityId = entityId ?? $"{model}{Separator}{host}";
    }

    public string Model { get; }

    public string Host { get; }

    public string EntityId { get; }

    public static PairKey From(string modelName, string host) =>
        new((modelName ?? string.Empty).Trim(), (host ?? string.Empty).Trim());

    /// <summary>Reads <c>&lt;model&gt;|&lt;host&gt;</c>; the host never holds a <c>|</c>, so the last one splits.</summary>
    public static bool TryParse(string? entityId, out PairKey key)
    {
        key = null!;
        if (string.IsNullOrWhiteSpace(entityId)) return false;
        var split = entityId.LastIndexOf(Separator);
        if (split <= 0 || split == entityId.Length - 1) return false;
        var model = entityId[..split];
        var host = entityId[(split + 1)..];
        if (string.IsNullOrWhiteSpace(model) || string.IsNullOrWhiteSpace(host)) return false;
        key = new PairKey(model, host, entityId);
        return true;
    }

    /// <summary>The pair of a sharded actor, whose name is its entity id escaped as sharding escapes it.</summary>
    /// <exception cref="ArgumentException">the name is not an escaped <c>&lt;model&gt;|&lt;host&gt;</c>.</exception>
    public static PairKey FromActorName(string actorName) =>
        TryParse(Uri.UnescapeDataString(actorName), out var pair)
            ? pair
            : throw new ArgumentException($"Not a keep-alive entity id (<model>|<host>): '{Uri.UnescapeDataString(actorName)}'", nameof(actorName));

    /// <summary>The model name as the Python router's provider lookup matches it: without a leading <c>model:</c> and surrounding whitespace.</summary>
    public static string NormalizeModel(string modelName)
    {
        var trimmed = (modelName ?? string.Empty).Trim();
        return trimmed.StartsWith("model:", StringComparison.Ordinal) ? trimmed["model:".Length..].Trim() : trimmed;
    }

    /// <summary>The host as lookups compare it: with or without a trailing <c>/</c> is the same host.</summary>
    public static string NormalizeHost(string host) => (host ?? string.Empty).Trim().TrimEnd('/');

    public override string ToString() => EntityId;
}
