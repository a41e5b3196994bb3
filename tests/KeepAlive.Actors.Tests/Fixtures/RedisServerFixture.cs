using Xunit;

namespace KeepAlive.Actors.Tests.Fixtures;

/// <summary>The shared <see cref="RedisServer"/> as an xunit fixture: one server for the tests of <see cref="RedisCollection"/>.</summary>
public sealed class RedisServerFixture : RedisServer, IAsyncLifetime
{
    Task IAsyncLifetime.InitializeAsync() => StartOnFreePortAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

/// <summary>The tests that share one <see cref="RedisServerFixture"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "Redis server";
}
