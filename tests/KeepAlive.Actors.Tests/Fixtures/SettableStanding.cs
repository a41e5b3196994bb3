namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>A node standing a spec sets by hand: by default the node may act.</summary>
public sealed class SettableStanding : INodeStanding
{
    public bool MayAct { get; set; } = true;
}
