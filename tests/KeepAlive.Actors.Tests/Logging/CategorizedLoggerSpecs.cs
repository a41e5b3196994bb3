using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Event;
using Akka.Hosting.Logging;
using KeepAlive.Actors.Pairs;
using KeepAlive.Host.Config;
using Microsoft.Extensions.Logging;
using Xunit;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace KeepAlive.Actors.Tests.Logging;

/// <summary>Akka's events reach <see cref="ILogger"/> one entry each: the logging type as category, the bare message, named fields.</summary>
public sealed class CategorizedLoggerSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly RecordingLoggerProvider _entries = new();
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        var loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(MelLogLevel.Information).AddProvider(_entries));
        var config = $$"""
            akka.loglevel = DEBUG
            akka.stdout-loglevel = OFF
            akka.loggers = ["{{typeof(CategorizedLoggerFactoryLogger).AssemblyQualifiedName}}"]
            """;
        _system = ActorSystem.Create("logging", BootstrapSetup.Create().WithConfig(config).And(new LoggerFactorySetup(loggerFactory)));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    [Fact]
    public async Task An_actors_event_is_one_entry_under_its_type_with_its_own_words_and_named_fields()
    {
        _system.ActorOf(Props.Create(() => new Talker())).Tell("go");

        var entry = await _entries.SingleAsync(entry => entry.Message.StartsWith("pinging"));

        Assert.Equal("KeepAlive.Actors.Tests.Logging.CategorizedLoggerSpecs.Talker", entry.Category);
        Assert.Equal(MelLogLevel.Information, entry.Level);
        Assert.Equal("pinging demo/gemma at http://127.0.0.1:7000 (vllm)", entry.Message);
        Assert.Equal("demo/gemma", entry.Fields["Model"]);
        Assert.Equal("http://127.0.0.1:7000", entry.Fields["Host"]);
        Assert.Equal("pinging {Model} at {Host} ({ApiType})", entry.Fields["{OriginalFormat}"]);
    }

    [Fact]
    public async Task The_pairs_shared_logger_writes_under_PairActor_and_a_cause_comes_as_the_exception()
    {
        var pairs = Akka.Event.Logging.GetLogger(_system, typeof(PairActor));

        pairs.Warning(new InvalidOperationException("boom"), "[keep-alive] {Pair} is not pinged: {Problem}", "m|h", "no provider");

        var entry = await _entries.SingleAsync(entry => entry.Message.Contains("is not pinged"));
        Assert.Equal("KeepAlive.Actors.Pairs.PairActor", entry.Category);
        Assert.Equal(MelLogLevel.Warning, entry.Level);
        Assert.Equal("[keep-alive] m|h is not pinged: no provider", entry.Message);
        Assert.Equal("boom", entry.Exception?.Message);
    }

    [Fact]
    public async Task An_event_from_a_named_source_is_under_Akka_and_the_sources_first_word()
    {
        Akka.Event.Logging.GetLogger(_system, "Cluster (akka://logging)").Info("Cluster Node [{0}] - Started up successfully", "here");

        var entry = await _entries.SingleAsync(entry => entry.Message.Contains("Started up"));
        Assert.Equal("Akka.Cluster", entry.Category);
        Assert.Equal("Cluster Node [here] - Started up successfully", entry.Message);
    }

    [Fact]
    public async Task An_event_below_its_categorys_level_is_not_written()
    {
        var pairs = Akka.Event.Logging.GetLogger(_system, typeof(PairActor));

        pairs.Debug("[keep-alive] routine {Step}", "debug");
        pairs.Info("[keep-alive] visible {Step}", "info");

        await _entries.SingleAsync(entry => entry.Message.Contains("visible"));
        Assert.DoesNotContain(_entries.All, entry => entry.Message.Contains("routine"));
    }

    [Fact]
    public void The_console_writes_time_level_short_category_and_message_on_one_line()
    {
        var line = OneLineConsoleFormatter.Line(
            new DateTimeOffset(2026, 12, 2, 19, 55, 44, 756, TimeSpan.Zero), MelLogLevel.Information,
            "KeepAlive.Actors.Pairs.PairActor", "[keep-alive] pinging demo/gemma at http://127.0.0.1:7000 (ollama)");

        Assert.Equal("19:55:44.756 info PairActor: [keep-alive] pinging demo/gemma at http://127.0.0.1:7000 (ollama)", line);
    }

    private sealed class Talker : ReceiveActor
    {
        public Talker()
        {
            var log = Context.GetLogger();
            Receive<string>(_ => log.Info("pinging {Model} at {Host} ({ApiType})", "demo/gemma", "http://127.0.0.1:7000", "vllm"));
        }
    }

    private sealed record Entry(string Category, MelLogLevel Level, string Message, IReadOnlyDictionary<string, object?> Fields, Exception? Exception);

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<Entry> _entries = new();

        public IReadOnlyList<Entry> All => _entries.ToArray();

        public async Task<Entry> SingleAsync(Func<Entry, bool> match)
        {
            await Eventually.HoldsAsync(() => All.Any(match), Patience, "the entry to be logged");
            return Assert.Single(All, entry => match(entry));
        }

        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Recorder(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(MelLogLevel logLevel) => true;

            public void Log<TState>(MelLogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var fields = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
                entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), fields.ToDictionary(), exception));
            }
        }
    }
}
