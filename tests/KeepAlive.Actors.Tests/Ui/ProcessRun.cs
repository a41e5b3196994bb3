using System.Diagnostics;

namespace KeepAlive.Actors.Tests.Ui;

/// <summary>A command run to its end, with its output.</summary>
public sealed record ProcessRun(int ExitCode, string Output)
{
    /// <summary>Runs <paramref name="fileName"/> and waits for it to exit.</summary>
    /// <exception cref="TimeoutException">it ran longer than <paramref name="timeout"/>; it is killed.</exception>
    public static async Task<ProcessRun> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} ran longer than {timeout}");
        }

        return new ProcessRun(process.ExitCode, await output + await errors);
    }

    /// <summary>Runs git in <see cref="RepositoryRoot"/> and returns what it printed; fails the test when git fails.</summary>
    public static async Task<string> GitAsync(params string[] arguments)
    {
        var git = await RunAsync("git", arguments, TimeSpan.FromSeconds(30), RepositoryRoot());
        if (git.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {git.Output}");
        return git.Output.Trim();
    }

    /// <summary>The repository this test assembly was built from: the first folder above it with a <c>.git</c>.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (Path.Exists(Path.Combine(folder.FullName, ".git"))) return folder.FullName;
        }

        throw new InvalidOperationException($"No git checkout above {AppContext.BaseDirectory}.");
    }
}
