using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Entities;

/// <summary>
/// Splits a node's entities into <see cref="EntitiesPage"/>s that each fit one remoting frame: a region's whole
/// state outgrows remoting's <c>maximum-frame-size</c> (128,000 bytes) at a few thousand entities, and remoting
/// drops an oversized message, so the node that asked would see none of them.
/// </summary>
public static class EntityPages
{
    /// <summary>
    /// The most a page may carry by <see cref="WireBytes"/>: a quarter of the frame, leaving room for the envelope
    /// (paths, manifest) and for an operator who lowers the frame size.
    /// </summary>
    public const int BudgetBytes = 32_000;

    // JSON around each id (the comma) and around each shard ({"shardId":,"entityIds":[]},).
    private const int IdOverhead = 1;
    private const int ShardOverhead = 32;

    /// <summary>The pages of <paramref name="shards"/>, in order; always at least one, and only the final one is <c>Last</c>.</summary>
    public static IReadOnlyList<EntitiesPage> Split(IEnumerable<ShardEntities> shards, int budget = BudgetBytes)
    {
        var pages = new List<EntitiesPage>();
        var page = new List<ShardEntities>();
        var used = 0;
        foreach (var shard in shards)
        {
            var shardCost = ShardOverhead + WireBytes(shard.ShardId);
            var ids = new List<string>();
            foreach (var id in shard.EntityIds)
            {
                var cost = (ids.Count == 0 ? shardCost : 0) + WireBytes(id) + IdOverhead;
                // An id that alone exceeds the budget still gets a page of its own rather than none.
                if (used + cost > budget && (page.Count > 0 || ids.Count > 0))
                {
                    if (ids.Count > 0) page.Add(new ShardEntities(shard.ShardId, ids));
                    pages.Add(new EntitiesPage(page, Last: false));
                    page = [];
                    ids = [];
                    used = 0;
                    cost = shardCost + WireBytes(id) + IdOverhead;
                }

                ids.Add(id);
                used += cost;
            }

            if (ids.Count > 0) page.Add(new ShardEntities(shard.ShardId, ids));
        }

        pages.Add(new EntitiesPage(page, Last: true));
        return pages;
    }

    /// <summary>
    /// At least the bytes of <paramref name="text"/> as a JSON string in the wire format: the serializer's encoder
    /// writes printable ASCII as it is, except the marks it escapes for HTML, and anything else as <c>\uXXXX</c>
    /// (six bytes for each UTF-16 unit).
    /// </summary>
    public static int WireBytes(string text)
    {
        var bytes = 2;
        foreach (var c in text) bytes += c is >= ' ' and <= '~' && !EscapedMarks.Contains(c) ? 1 : 6;
        return bytes;
    }

    private const string EscapedMarks = "\"\\<>&'+`";
}
