using System.Globalization;
using System.Text;

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
    /// <summary>
    /// The most UTF-8 bytes a model name or a host may have, surrounding whitespace dropped. The entity id travels in
    /// every remoting message to its pair and in its actor's path (escaped, up to 3 characters per byte), and remoting
    /// drops any frame over <c>maximum-frame-size</c> (128,000 bytes): a pair with longer names could be recorded on one
    /// node and never reach its actor on another. Far above any real model name or URL.
    /// </summary>
    public const int MaxNameBytes = 1024;

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

    /// <exception cref="ArgumentException">the model name or the host is longer than <see cref="MaxNameBytes"/>.</exception>
    public static PairKey From(string modelName, string host) =>
        new(RequireName((modelName ?? string.Empty).Trim(), "model name", nameof(modelName)),
            RequireName((host ?? string.Empty).Trim(), "host", nameof(host)));

    /// <summary>
    /// Why <paramref name="name"/> cannot be a pair's model name or host (measured as the pair keeps it, without
    /// surrounding whitespace), or null when it can. The reason never quotes the name, which may be huge.
    /// </summary>
    public static string? NameProblem(string name)
    {
        // Every pair built (router code, each remote message read) passes here: a name of at most a third as many
        // UTF-16 units as bytes allowed cannot be over (3 bytes per unit at most), so real names are never counted.
        if (name.Length <= MaxNameBytes / 3) return null;
        var bytes = Encoding.UTF8.GetByteCount(name.Trim());
        return bytes <= MaxNameBytes
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"is {bytes:N0} bytes long in UTF-8; a model name or host may be at most {MaxNameBytes:N0}");
    }

    /// <summary>Reads <c>&lt;model&gt;|&lt;host&gt;</c>; the host never holds a <c>|</c>, so the last one splits.</summary>
    public static bool TryParse(string? entityId, out PairKey key) => TryParse(entityId, out key, out _);

    /// <param name="entityId">Often written by another program (a Redis member), so anything may come.</param>
    /// <param name="key">The pair, when true.</param>
    /// <param name="problem">Why the id names no pair, when false: it is not <c>&lt;model&gt;|&lt;host&gt;</c>, or a name is too long.</param>
    public static bool TryParse(string? entityId, out PairKey key, out string problem)
    {
        key = null!;
        problem = "is not <model>|<host>";
        if (string.IsNullOrWhiteSpace(entityId)) return false;
        var split = entityId.LastIndexOf(Separator);
        if (split <= 0 || split == entityId.Length - 1) return false;
        var model = entityId[..split];
        var host = entityId[(split + 1)..];
        if (string.IsNullOrWhiteSpace(model) || string.IsNullOrWhiteSpace(host)) return false;
        if (NameProblem(model) is { } modelTooLong)
        {
            problem = $"has a model name that {modelTooLong}";
            return false;
        }

        if (NameProblem(host) is { } hostTooLong)
        {
            problem = $"has a host that {hostTooLong}";
            return false;
        }

        key = new PairKey(model, host, entityId);
        problem = string.Empty;
        return true;
    }

    /// <summary><paramref name="name"/> when it may name a pair.</summary>
    /// <exception cref="ArgumentException">it is longer than <see cref="MaxNameBytes"/>; names <paramref name="parameter"/>, not the value.</exception>
    internal static string RequireName(string name, string what, string parameter) =>
        NameProblem(name) is { } problem ? throw new ArgumentException($"The {what} {problem}.", parameter) : name;

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
