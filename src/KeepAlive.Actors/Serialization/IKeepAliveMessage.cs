namespace KeepAlive.Actors.Serialization;

/// <summary>
/// A message that may cross nodes. Bound to <see cref="KeepAliveMessageSerializer"/>, so its wire format
/// is ours (short stable manifests, JSON bodies) and not the default serializer's type names.
/// </summary>
public interface IKeepAliveMessage;
