using KeepAlive.Actors.Pairs;
using Xunit;

namespace KeepAlive.Actors.Tests.Pairs;

public sealed class PairKeySpecs
{
    [Theory]
    // As sharding names an entity's actor: its id, URL-escaped.
    [InlineData("demo%2Fgemma-3-4b%7Chttp%3A%2F%2F127.0.0.1%3A7000", "demo/gemma-3-4b", "http://127.0.0.1:7000")]
    // The host never holds a '|': the last one splits, a model may hold one.
    [InlineData("model%3A%20gemma%7Cv2%7Chttp%3A%2F%2Fgpu-3%3A8000%2F", "model: gemma|v2", "http://gpu-3:8000/")]
    public void A_sharded_actors_name_gives_back_its_pair(string actorName, string model, string host)
    {
        var pair = PairKey.FromActorName(actorName);

        Assert.Equal((model, host), (pair.Model, pair.Host));
    }

    [Fact]
    public void A_name_that_is_no_entity_id_is_refused_naming_it()
    {
        var refused = Assert.Throws<ArgumentException>(() => PairKey.FromActorName("scheduler"));

        Assert.Contains("Not a keep-alive entity id (<model>|<host>): 'scheduler'", refused.Message);
    }
}
