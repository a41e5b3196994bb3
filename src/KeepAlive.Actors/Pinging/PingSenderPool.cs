using Akka.Actor;

namespace KeepAlive.Actors.Pinging;

public static class PingSenderPool
{
    public static Props Props(IHttpClientFactory httpClients, TimeSpan timeout, int size) => throw new NotImplementedException();
}
