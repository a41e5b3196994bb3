using System.Runtime.CompilerServices;

namespace KeepAlive.Testing;

/// <summary>Polling with a generous bound, instead of sleeping and hoping.</summary>
/// <remarks><c>what</c> names the awaited condition in the timeout's message; by default the condition's own code.</remarks>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <exception cref="TimeoutException">the condition did not hold within <paramref name="timeout"/>.</exception>
    public static Task HoldsAsync(
        Func<Task<bool>> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string what = "") =>
        ValueAsync(condition, holds => holds, timeout, what);

    /// <exception cref="TimeoutException">the condition did not hold within <paramref name="timeout"/>.</exception>
    public static Task HoldsAsync(
        Func<bool> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string what = "") =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Reads until the value satisfies <paramref name="condition"/>, and returns it.</summary>
    /// <exception cref="TimeoutException">no value read within <paramref name="timeout"/> did; the message holds the last one.</exception>
    public static async Task<T> ValueAsync<T>(
        Func<Task<T>> read, Func<T, bool> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string what = "")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (ready, value) = await TryReadAsync(read);
            if (ready && condition(value!)) return value!;
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"Waited {timeout} for {what}; last: {(ready ? value?.ToString() : "no answer yet")}.");
            await Task.Delay(PollInterval);
        }
    }

    // A host still starting refuses connections; that is "not yet", not a failure.
    private static async Task<(bool Ready, T? Value)> TryReadAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return (true, await read());
        }
        catch (HttpRequestException)
        {
            return (false, default);
        }
    }
}
