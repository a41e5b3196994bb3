using System.Collections.Concurrent;
using KeepAlive.Actors.Pairs;
using KeepAlive.Actors.Scheduling;
using Microsoft.Extensions.Logging;
using Xunit;

namespace KeepAlive.Actors.Tests.Scheduling;

/// <summary>The process's Redis connection: a node starts while Redis is down, and the password is never repeated.</summary>
public sealed class RedisConnectionSpecs
{
    private const string Password = "s3cret-pa55word";

    [Fact]
    public async Task Unreachable_Redis_does_not_stop_the_start_and_neither_logs_nor_failed_writes_show_the_password()
    {
        var log = new RecordingLogger();
        var port = TestHttp.FreeLoopbackPort();

        await using var redis = await RedisConnection.ConnectAsync(
            $"127.0.0.1:{port},password={Password},connectTimeout=300,asyncTimeout=300,syncTimeout=300", log);
        var store = new RedisScheduleStore(redis, "keepalive");
        var failure = await Assert.ThrowsAnyAsync<Exception>(() =>
            store.ApplyAsync([new ScheduleChange.Upsert(PairKey.From("m", "http://h"), 60, DateTimeOffset.UtcNow.AddMinutes(1))]));

        Assert.False(redis.IsConnected);
        Assert.Contains(log.Lines, line => line.Contains("not reachable yet"));
        Assert.DoesNotContain(log.Lines, line => line.Contains(Password));
        Assert.DoesNotContain(Password, failure.ToString());
    }

    [Fact]
    public async Task A_connection_string_that_cannot_be_parsed_is_an_error_without_its_text()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            RedisConnection.ConnectAsync($"127.0.0.1:6379,password={Password},no-such-option=1", new RecordingLogger()));

        Assert.DoesNotContain(Password, error.ToString());
    }

    private sealed class RecordingLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => _lines.ToList();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue($"{formatter(state, exception)} {exception}");
    }
}
