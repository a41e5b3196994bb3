using KeepAlive.Actors.Providers;

namespace KeepAlive.Bench.Scenarios;

/// <summary>Synthetic pairs: <paramref name="count"/> pairs spread over hosts, each model on each host at most once.</summary>
public static class Pairs
{
    public static ProviderKey[] Make(int count, int hosts, string hostPrefix = "http://10.9.0.") =>
        Enumerable.Range(0, count)
            .Select(i => ProviderKey.From($"bench/model-{i / hosts}", $"{hostPrefix}{i % hosts}:8000"))
            .ToArray();
}
