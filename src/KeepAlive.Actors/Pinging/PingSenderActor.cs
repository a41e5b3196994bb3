using Akka.Actor;

namespace KeepAlive.Actors.Pinging;

/// <summary>
/// Turns <see cref="PingSenderProtocol.SendPing"/> into one HTTP POST and pipes the outcome back.
/// Routee of the node's ping sender pool.
/// </summary>
public sealed class PingSenderActor : ReceiveActor
{
    public PingSenderActor(IHttpClientFactory httpClients, TimeSpan timeout) => throw new NotImplementedException();

    /// <summary>The named HttpClient the senders use (so a host can configure its handler).</summary>
    public const string HttpClientName = "keepalive-ping";

    public static Props Props(IHttpClientFactory httpClients, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new PingSenderActor(httpClients, timeout));
}
