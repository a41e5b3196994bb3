using Microsoft.Extensions.Logging;

namespace KeepAlive.Testing;

/// <summary>Writes each log entry as one line to a sink, e.g. a test's output, which is shown when the test fails.</summary>
public sealed class LineLoggerProvider(Action<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName[(categoryName.LastIndexOf('.') + 1)..], sink);

    public void Dispose()
    {
    }

    private sealed class LineLogger(string category, Action<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}";
            sink(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
        }
    }
}
