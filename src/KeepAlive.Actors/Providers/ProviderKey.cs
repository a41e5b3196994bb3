namespace KeepAlive.Actors.Providers;

/// <summary>
/// One <c>(model, host)</c> pair: the unit the service keeps warm. Its <see cref="EntityId"/>
/// (<c>&lt;model&gt;|&lt;host&gt;</c>) is both the sharding entity id and the Redis sorted-set member.
/// </summary>
/// <remarks>
/// Names are normalised the way the original router's provider lookup matches them (a leading
/// <c>model:</c> and surrounding whitespace are dropped; a trailing <c>/</c> of the host is dropped),
/// so one pair spelt two ways is still one pair and is never pinged twice.
/// </remarks>
public sealed record ProviderKey
{
    private const char Separator = '|';

    private ProviderKey(string model, string host)
    {
        Model = model;
        Host = host;
    }

    public string Model { get; }

    public string Host { get; }

    public string EntityId => $"{Model}{Separator}{Host}";

    public static ProviderKey From(string modelName, string host) =>
        new(NormalizeModel(modelName), NormalizeHost(host));

    /// <summary>Reads <c>&lt;model&gt;|&lt;host&gt;</c>; the host never holds a <c>|</c>, so the last one splits.</summary>
    public static bool TryParse(string? entityId, out ProviderKey key)
    {
        key = null!;
        if (string.IsNullOrWhiteSpace(entityId)) return false;
        var split = entityId.LastIndexOf(Separator);
        if (split <= 0 || split == entityId.Length - 1) return false;
        var model = NormalizeModel(entityId[..split]);
        var host = NormalizeHost(entityId[(split + 1)..]);
        if (model.Length == 0 || host.Length == 0) return false;
        key = new ProviderKey(model, host);
        return true;
    }

    public static string NormalizeModel(string modelName)
    {
        var trimmed = (modelName ?? string.Empty).Trim();
        return trimmed.StartsWith("model:", StringComparison.Ordinal) ? trimmed["model:".Length..].Trim() : trimmed;
    }

    public static string NormalizeHost(string host) => (host ?? string.Empty).Trim().TrimEnd('/');

    public override string ToString() => EntityId;
}
