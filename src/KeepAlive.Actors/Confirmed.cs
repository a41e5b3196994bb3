using KeepAlive.Actors.Serialization;

namespace KeepAlive.Actors;

/// <summary>
/// A command that can be asked instead of told: with <see cref="Confirm"/> set, its actor answers the sender with
/// <see cref="Confirmed"/> once it has taken the command. Told on the hot path it costs no answer.
/// </summary>
public interface IConfirmable
{
    bool Confirm { get; }
}

/// <summary>The answer to a command asked with <see cref="IConfirmable.Confirm"/>: its actor has taken it.</summary>
public sealed record Confirmed : IKeepAliveMessage
{
    public static readonly Confirmed Instance = new();
}
