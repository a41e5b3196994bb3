namespace KeepAlive.Actors.Pinging;

/// <summary>The HTTP request that warms one provider: POST <see cref="Endpoint"/> with <see cref="JsonBody"/>.</summary>
public sealed record PingRequest(Uri Endpoint, string JsonBody, string? BearerToken)
{
    public override string ToString() =>
        $"PingRequest {{ Endpoint = {Endpoint}, Auth = {(string.IsNullOrEmpty(BearerToken) ? "none" : "bearer <redacted>")} }}";
}
