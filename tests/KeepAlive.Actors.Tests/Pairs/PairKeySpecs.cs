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

    private static readonly string AtLimit = LongNames.OfBytes(PairKey.MaxNameBytes);
    private static readonly string OverLimit = LongNames.OfBytes(PairKey.MaxNameBytes + 1);

    [Fact]
    public void A_model_name_or_host_of_1024_UTF8_bytes_names_a_pair_surrounding_whitespace_not_counted()
    {
        var pair = PairKey.From($" {AtLimit} ", $"\t{AtLimit}\n");

        Assert.Equal((AtLimit, AtLimit), (pair.Model, pair.Host));
        Assert.Null(PairKey.NameProblem($"  {AtLimit}  "));
    }

    [Theory]
    [InlineData(true, "modelName", "The model name is 1,025 bytes long in UTF-8; a model name or host may be at most 1,024")]
    [InlineData(false, "host", "The host is 1,025 bytes long in UTF-8; a model name or host may be at most 1,024")]
    public void A_name_of_1025_UTF8_bytes_is_refused_naming_the_parameter_and_the_size_without_echoing_it(bool model, string parameter, string reason)
    {
        var refused = Assert.Throws<ArgumentException>(() => model ? PairKey.From(OverLimit, "http://h") : PairKey.From("m", OverLimit));

        Assert.Equal(parameter, refused.ParamName);
        Assert.StartsWith(reason, refused.Message);
        Assert.DoesNotContain("éé", refused.Message);
        Assert.Equal("is 1,025 bytes long in UTF-8; a model name or host may be at most 1,024", PairKey.NameProblem(OverLimit));
    }

    [Fact]
    public void An_entity_id_with_a_part_over_the_limit_is_no_pair_and_the_problem_says_which_part()
    {
        Assert.True(PairKey.TryParse($"{AtLimit}|{AtLimit}", out var pair));
        Assert.Equal((AtLimit, AtLimit), (pair.Model, pair.Host));

        Assert.False(PairKey.TryParse($"{OverLimit}|http://h", out _, out var modelProblem));
        Assert.Equal("has a model name that is 1,025 bytes long in UTF-8; a model name or host may be at most 1,024", modelProblem);
        Assert.False(PairKey.TryParse($"m|{OverLimit}", out _, out var hostProblem));
        Assert.StartsWith("has a host that is 1,025 bytes long", hostProblem);
        Assert.False(PairKey.TryParse("no-separator", out _, out var shapeProblem));
        Assert.Equal("is not <model>|<host>", shapeProblem);
    }

    /// <summary>Three-byte characters are the densest UTF-16 unit: the fewest characters that can be over the limit.</summary>
    [Fact]
    public void A_name_of_three_byte_characters_is_counted_in_bytes_from_its_342nd_character()
    {
        Assert.Null(PairKey.NameProblem(new string('中', 341)));
        Assert.Equal("is 1,026 bytes long in UTF-8; a model name or host may be at most 1,024", PairKey.NameProblem(new string('中', 342)));
    }
}
