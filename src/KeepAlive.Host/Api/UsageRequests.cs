using System.Text.Json;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Providers;

namespace KeepAlive.Host.Api;

/// <summary>One validated <c>{"model_name","host","keep_alive"}</c> item of <c>POST /api/usage</c>.</summary>
/// <param name="KeepAlive">Null for a falsy value (<c>null</c>, <c>false</c>, <c>""</c>): the pair is turned off.</param>
public sealed record UsageRequest(ProviderKey Pair, string? KeepAlive);

/// <summary>
/// Reads the API's JSON bodies field by field, so a bad body is answered with the field and the reason
/// (the framework's binder only says "bad request"). Field names are the router's snake_case names.
/// </summary>
public static class UsageRequests
{
    /// <summary>Problems keyed by field (<c>model_name</c>, <c>[2].keep_alive</c>); empty when the item is valid.</summary>
    public sealed class Problems : Dictionary<string, string[]>
    {
        public void Add(string field, string reason) => this[field] = [reason];
    }

    public static UsageRequest? ReadUsage(JsonElement item, string prefix, Problems problems)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add(prefix.Length == 0 ? "body" : prefix, "must be a JSON object with model_name, host and keep_alive");
            return null;
        }

        var model = RequiredString(item, prefix, "model_name", problems);
        var host = ReadHost(item, prefix, problems);
        var keepAliveValid = TryReadKeepAlive(item, prefix, problems, out var keepAlive);
        return model is null || host is null || !keepAliveValid ? null : new UsageRequest(ProviderKey.From(model, host), keepAlive);
    }

    public static string? ReadHost(JsonElement item, string prefix, Problems problems)
    {
        var host = RequiredString(item, prefix, "host", problems);
        // The pair's entity id is "<model>|<host>", split at the last '|': a host holding one would name another pair.
        if (host is not null && host.Contains('|'))
        {
            problems.Add(Field(prefix, "host"), "must not contain '|'");
            return null;
        }

        return host;
    }

    /// <summary>The pair named by a query string (<c>?model_name=...&amp;host=...</c>).</summary>
    public static ProviderKey? ReadPair(string? model, string? host, Problems problems)
    {
        if (string.IsNullOrWhiteSpace(model)) problems.Add("model_name", "is required (query parameter)");
        if (string.IsNullOrWhiteSpace(host)) problems.Add("host", "is required (query parameter)");
        return problems.Count == 0 ? ProviderKey.From(model!, host!) : null;
    }

    private static bool TryReadKeepAlive(JsonElement item, string prefix, Problems problems, out string? keepAlive)
    {
        keepAlive = null;
        var field = Field(prefix, "keep_alive");
        if (!item.TryGetProperty("keep_alive", out var value))
        {
            problems.Add(field, "is required; null, false or \"\" turn the pair off");
            return false;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.False:
                return true;
            case JsonValueKind.String:
                var text = value.GetString();
                if (KeepAliveDuration.Parse(text) is KeepAliveSetting.Invalid invalid)
                {
                    problems.Add(field, $"'{invalid.Input}' is not a duration: {invalid.Reason}");
                    return false;
                }

                keepAlive = text;
                return true;
            default:
                problems.Add(field, "must be a duration string such as \"30s\", \"5m\" or \"1h\", or null/false/\"\" to turn the pair off");
                return false;
        }
    }

    private static string? RequiredString(JsonElement item, string prefix, string name, Problems problems)
    {
        if (item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
            return value.GetString();
        problems.Add(Field(prefix, name), "is required and must be a non-empty string");
        return null;
    }

    private static string Field(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}
