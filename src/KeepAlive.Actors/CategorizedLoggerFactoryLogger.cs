using System.Collections;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Akka.Hosting;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace KeepAlive.Actors;

/// <summary>
/// Akka's logger for <see cref="ILoggerFactory"/>, one entry per log event: the category is the type that logged
/// (<c>KeepAlive.Actors.Pairs.PairActor</c>, <c>Akka.Cluster.Sharding.ShardRegion</c>), the message is the
/// event's own text, and the state is the message template with its named arguments, so structured fields reach
/// <see cref="ILogger"/>.
/// </summary>
/// <remarks>
/// Akka.Hosting's <see cref="LoggerFactoryLogger"/> logs every event under one category (<c>ActorSystem</c>) with
/// Akka's own text in front of the message (level, date, thread, escaped actor path): two levels and ~170 characters
/// before the words an operator reads, and no way to choose a level per actor type.
/// </remarks>
public sealed class CategorizedLoggerFactoryLogger : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    // Events from a named source rather than a type (Akka's cluster and remoting: "Cluster (akka://...)").
    private const string SourceCategoryPrefix = "Akka.";

    private readonly ILoggerFactory _loggerFactory;
    private readonly Dictionary<object, ILogger> _loggers = new();

    public CategorizedLoggerFactoryLogger()
    {
        var setup = Context.System.Settings.Setup.Get<LoggerFactorySetup>();
        _loggerFactory = setup.HasValue
            ? setup.Value.LoggerFactory
            : throw new InvalidOperationException($"{nameof(CategorizedLoggerFactoryLogger)} needs a {nameof(LoggerFactorySetup)} in the ActorSystem's setup (Akka.Hosting adds the host's ILoggerFactory).");
    }

    /// <summary>The category of events logged by <paramref name="type"/>: its namespace and (nesting) name, without generic arity.</summary>
    public static string CategoryOf(Type type)
    {
        var name = type.Name.Split('`')[0];
        return type.DeclaringType is { } outer ? $"{CategoryOf(outer)}.{name}"
            : string.IsNullOrEmpty(type.Namespace) ? name
            : $"{type.Namespace}.{name}";
    }

    /// <summary>The Akka level that lets every event through which <paramref name="level"/> would show.</summary>
    public static AkkaLogLevel AkkaLevelFor(MelLogLevel level) => level switch
    {
        MelLogLevel.Trace or MelLogLevel.Debug => AkkaLogLevel.DebugLevel,
        MelLogLevel.Information => AkkaLogLevel.InfoLevel,
        MelLogLevel.Warning => AkkaLogLevel.WarningLevel,
        _ => AkkaLogLevel.ErrorLevel,
    };

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent logEvent:
                Log(logEvent);
                return true;
            default:
                return false;
        }
    }

    private void Log(LogEvent logEvent)
    {
        var logger = LoggerFor(logEvent);
        var level = LevelOf(logEvent.LogLevel());
        if (!logger.IsEnabled(level)) return;
        logger.Log(level, default, new LogEventState(logEvent), logEvent.Cause, static (state, _) => state.ToString());
    }

    // One logger per logging type, or per source name for events that name no type.
    private ILogger LoggerFor(LogEvent logEvent)
    {
        object key = logEvent.LogClass is { } type && type != typeof(DummyClassForStringSources)
            ? type
            : SourceCategoryPrefix + new string((logEvent.LogSource ?? string.Empty).TakeWhile(char.IsLetterOrDigit).ToArray());
        if (!_loggers.TryGetValue(key, out var logger))
        {
            logger = _loggerFactory.CreateLogger(key as string ?? CategoryOf((Type)key));
            _loggers[key] = logger;
        }

        return logger;
    }

    private static MelLogLevel LevelOf(AkkaLogLevel level) => level switch
    {
        AkkaLogLevel.DebugLevel => MelLogLevel.Debug,
        AkkaLogLevel.InfoLevel => MelLogLevel.Information,
        AkkaLogLevel.WarningLevel => MelLogLevel.Warning,
        _ => MelLogLevel.Error,
    };

    /// <summary>
    /// An event as <see cref="ILogger"/> state: its named arguments and <c>{OriginalFormat}</c>, the convention by which
    /// Microsoft.Extensions.Logging's own structured entries carry their template.
    /// </summary>
    private sealed class LogEventState(LogEvent logEvent) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private const string TemplateKey = "{OriginalFormat}";

        // Built when a provider reads the fields (a console line needs only the text).
        private IReadOnlyList<KeyValuePair<string, object?>>? _entries;

        private IReadOnlyList<KeyValuePair<string, object?>> Entries => _entries ??=
            (logEvent.TryGetProperties(out var properties) && properties is not null
                ? properties.Select(property => new KeyValuePair<string, object?>(property.Key, property.Value))
                : [])
            .Append(new KeyValuePair<string, object?>(TemplateKey, logEvent.GetTemplate()))
            .ToList();

        public int Count => Entries.Count;

        public KeyValuePair<string, object?> this[int index] => Entries[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Entries.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        // The event's message alone: a template filled in by Akka's formatter, or the text it was given.
        public override string ToString() => logEvent.Message?.ToString() ?? string.Empty;
    }
}

/// <summary>Akka.Hosting configuration of <see cref="CategorizedLoggerFactoryLogger"/>.</summary>
public static class CategorizedLoggingExtensions
{
    /// <summary>
    /// Akka's log events go to <see cref="ILogger"/>, each under the category of the type that logged it, at
    /// <paramref name="level"/> and above (Akka drops the rest before they are formatted). <paramref name="loggerFactory"/>:
    /// null for the host's own factory.
    /// </summary>
    public static AkkaConfigurationBuilder WithCategorizedLogging(
        this AkkaConfigurationBuilder builder, AkkaLogLevel level, ILoggerFactory? loggerFactory = null)
    {
        if (loggerFactory is not null) builder.AddSetup(new LoggerFactorySetup(loggerFactory));
        // Akka writes to standard out in its own format while no logger runs (starting, shutting down): problems only.
        builder.AddHocon("akka.stdout-loglevel = WARNING", HoconAddMode.Prepend);
        return builder.ConfigureLoggers(loggers =>
        {
            loggers.LogLevel = level;
            loggers.ClearLoggers();
            loggers.AddLogger<CategorizedLoggerFactoryLogger>();
        });
    }
}
