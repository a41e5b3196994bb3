using KeepAlive.Actors.Pairs;

namespace KeepAlive.Bench.Scenarios;

/// <summary>Synthetic pairs: <paramref name="count"/> pairs spread over hosts, each model on each host at most once.</summary>
public static class Pairs
{
    public static PairKey[] Make(int count, int hosts, string hostPrefix = "http://10.9.0.") =>
        Enumerable.Range(0, count)
            .Select(i => PairKey.From($"bench/model-{i / hosts}", $"{hostPrefix}{i % hosts}:8000"))
            .ToArray();
}
