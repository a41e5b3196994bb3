using Xunit.Abstractions;

namespace KeepAlive.Actors.Tests.Fixtures;

public static class TestOutput
{
    /// <summary>
    /// Lines for the test's output, which the runner shows with a failing test. A line that comes after the test
    /// has ended (a node still stopping) is dropped: xunit refuses it.
    /// </summary>
    public static Action<string> Sink(this ITestOutputHelper output) => line =>
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
        }
    };
}
