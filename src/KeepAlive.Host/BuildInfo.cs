using System.Reflection;

namespace KeepAlive.Host;

/// <summary>
/// The version and git commit this binary was built from. The SDK stamps the commit into the
/// informational version (<c>0.1.0+&lt;sha&gt;</c>) when it builds inside a git checkout.
/// </summary>
public sealed record BuildInfo(string Version, string Commit)
{
    public const string VersionFlag = "--version";

    /// <summary>What a build outside a git checkout (e.g. from a source archive) says instead of a commit.</summary>
    public const string UnknownCommit = "unknown";

    public static BuildInfo Current { get; } = FromInformationalVersion(
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary><c>0.1.0+abc123</c> → version <c>0.1.0</c>, commit <c>abc123</c>.</summary>
    public static BuildInfo FromInformationalVersion(string? informationalVersion)
    {
        var text = informationalVersion?.Trim() ?? string.Empty;
        var plus = text.IndexOf('+');
        var version = plus < 0 ? text : text[..plus];
        var commit = plus < 0 ? string.Empty : text[(plus + 1)..];
        return new BuildInfo(version.Length == 0 ? "0.0.0" : version, commit.Length == 0 ? UnknownCommit : commit);
    }

    public override string ToString() => $"keepalive {Version} (commit {Commit})";
}
