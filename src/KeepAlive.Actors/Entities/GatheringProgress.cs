using Akka.Actor;
using static KeepAlive.Actors.Entities.EntityListingProtocol;

namespace KeepAlive.Actors.Entities;

/// <summary>
/// What one gathering of a region's entities across members has received: a member counts only once its last page
/// arrived, so a member that stopped answering halfway is missing rather than listed in part.
/// </summary>
public sealed class GatheringProgress(IEnumerable<Address> members)
{
    private readonly HashSet<Address> _waiting = members.ToHashSet();
    private readonly Dictionary<Address, List<ShardEntities>> _received = new();
    private readonly Dictionary<Address, IReadOnlyList<ShardEntities>> _complete = new();

    public bool IsDone => _waiting.Count == 0;

    /// <summary>The members that answered in full, with their entities; a member asked and missing did not.</summary>
    public IReadOnlyDictionary<Address, IReadOnlyList<ShardEntities>> Complete => _complete;

    /// <summary>Takes a page from <paramref name="member"/>; a page from a member not waited for (late, or never asked) is ignored.</summary>
    public void Add(Address member, EntitiesPage page)
    {
        if (!_waiting.Contains(member)) return;
        if (!_received.TryGetValue(member, out var shards)) _received[member] = shards = [];
        shards.AddRange(page.Shards);
        if (!page.Last) return;

        _waiting.Remove(member);
        _received.Remove(member);
        _complete[member] = shards;
    }

    /// <summary><paramref name="member"/> could not list its entities: it is given up, and what it sent is dropped.</summary>
    public void GiveUp(Address member)
    {
        _waiting.Remove(member);
        _received.Remove(member);
    }
}
