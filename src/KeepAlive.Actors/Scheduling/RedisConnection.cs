using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace KeepAlive.Actors.Scheduling;

/// <summary>The process's one Redis connection: reconnects on its own and logs loss and restore once each.</summary>
public static class RedisConnection
{
    /// <exception cref="ArgumentException">the connection string cannot be parsed (its text, which may hold a password, is not repeated).</exception>
    public static async Task<IConnectionMultiplexer> ConnectAsync(string connectionString, ILogger logger)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception)
        {
            throw new ArgumentException("The Redis connection string is not valid StackExchange.Redis syntax (host:port,password=...,ssl=true,defaultDatabase=N).");
        }

        // Start even when Redis is down: the schedule runs from memory and the writes catch up later.
        options.AbortOnConnectFail = false;
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        LogConnectionChanges(redis, logger);
        if (!redis.IsConnected) logger.LogWarning("[keep-alive] Redis at {Endpoints} is not reachable yet; retrying in the background", Endpoints(redis));
        return redis;
    }

    private static void LogConnectionChanges(IConnectionMultiplexer redis, ILogger logger)
    {
        // One event arrives per endpoint and connection type; only the change of the whole is news.
        var down = 0;
        redis.ConnectionFailed += (_, e) =>
        {
            if (Interlocked.Exchange(ref down, 1) == 0)
                logger.LogWarning("[keep-alive] Redis connection lost ({FailureType}); pending schedule writes are kept", e.FailureType);
        };
        redis.ConnectionRestored += (_, _) =>
        {
            if (redis.IsConnected && Interlocked.Exchange(ref down, 0) == 1)
                logger.LogInformation("[keep-alive] Redis connection restored");
        };
    }

    private static string Endpoints(IConnectionMultiplexer redis) => string.Join(", ", redis.GetEndPoints().Select(e => e.ToString()));
}
