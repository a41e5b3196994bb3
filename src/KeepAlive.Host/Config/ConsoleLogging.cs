using KeepAlive.Actors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using AkkaLogLevel = Akka.Event.LogLevel;

namespace KeepAlive.Host.Config;

/// <summary>
/// The host's console: one line per event (time, level, the short category, the message) and the levels that
/// <c>--log-level</c> and the <c>Logging:LogLevel</c> keys choose.
/// </summary>
public static class ConsoleLogging
{
    /// <summary>The configuration key <c>--log-level</c> sets: the level of every category no other key names.</summary>
    public const string DefaultLevelKey = LevelsSection + ":Default";

    private const string LevelsSection = "Logging:LogLevel";

    /// <summary>Writes the console in <see cref="OneLineConsoleFormatter"/>'s lines.</summary>
    public static ILoggingBuilder AddOneLineConsole(this ILoggingBuilder logging) => logging
        .AddConsole(console => console.FormatterName = OneLineConsoleFormatter.Name)
        .AddConsoleFormatter<OneLineConsoleFormatter, ConsoleFormatterOptions>();

    /// <summary>
    /// The level Akka logs at: the most verbose one any <c>Logging:LogLevel</c> key asks for, so each category's
    /// events reach its filter (Akka drops the others before they are formatted).
    /// </summary>
    /// <exception cref="HostSettingsException">a key's value is not a level; the message names the key.</exception>
    public static AkkaLogLevel AkkaLevel(IConfiguration configuration)
    {
        var levels = configuration.GetSection(LevelsSection).GetChildren().Select(Level).Where(level => level != LogLevel.None).ToList();
        return CategorizedLoggerFactoryLogger.AkkaLevelFor(levels.Count == 0 ? LogLevel.Information : levels.Min());
    }

    /// <summary>Logs <paramref name="category"/> at <paramref name="level"/> unless a <c>Logging:LogLevel</c> key already says.</summary>
    public static void DefaultLevel(IConfiguration configuration, string category, LogLevel level) =>
        configuration[$"{LevelsSection}:{category}"] ??= level.ToString();

    private static LogLevel Level(IConfigurationSection key) =>
        Enum.TryParse<LogLevel>(key.Value, ignoreCase: true, out var level) && Enum.IsDefined(level) && !int.TryParse(key.Value, out _)
            ? level
            : throw new HostSettingsException(
                $"Setting {key.Path} = '{key.Value}' is not a log level: Trace, Debug, Information, Warning, Error, Critical or None.");
}

/// <summary>
/// One line per event: <c>19:55:44.756 info PairActor: [keep-alive] pinging ...</c>. The category is shortened
/// to its last part (the type that logged); an exception follows on the lines below.
/// </summary>
public sealed class OneLineConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "one-line";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        textWriter.Write(Line(DateTimeOffset.Now, logEntry.LogLevel, logEntry.Category, message));
        if (logEntry.Exception is not null) textWriter.Write(Environment.NewLine + logEntry.Exception);
        textWriter.Write(Environment.NewLine);
    }

    /// <summary>The line of one event, without its end.</summary>
    public static string Line(DateTimeOffset at, LogLevel level, string category, string message) =>
        $"{at:HH:mm:ss.fff} {LevelName(level)} {ShortCategory(category)}: {message}";

    private static string ShortCategory(string category) => category[(category.LastIndexOf('.') + 1)..];

    // Four letters each, as .NET's simple console writes them, so messages line up.
    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
