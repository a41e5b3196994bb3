using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Pairs;

namespace KeepAlive.Host.Api;

/// <summary>One validated <c>{"model_name","host","keep_alive"}</c> item of <c>POST /api/usage</c>.</summary>
/// <param name="KeepAlive">Null for a falsy value (<c>null</c>, <c>false</c>, <c>""</c>): the pair is turned off.</param>
public sealed record UsageRequest(PairKey Pair, string? KeepAlive);

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

        var model = RequiredName(item, prefix, "model_name", problems);
        var host = ReadHost(item, prefix, problems);
        var keepAliveValid = TryReadKeepAlive(item, prefix, problems, out var keepAlive);
        return model is null || host is null || !keepAliveValid ? null : new UsageRequest(PairKey.From(model, host), keepAlive);
    }

    public static string? ReadHost(JsonElement item, string prefix, Problems problems)
    {
        var host = RequiredName(item, prefix, "host", problems);
        // The pair's entity id is "<model>|<host>", split at the last '|': a host holding one would name another pair.
        if (host is not null && host.Contains('|'))
        {
            problems.Add(Field(prefix, "host"), "must not contain '|'");
            return null;
        }

        return host;
    }

    /// <summary>The pair named by a JSON object's <c>model_name</c> and <c>host</c>.</summary>
    public static PairKey? ReadPair(JsonElement body, Problems problems)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems.Add("body", "must be a JSON object with model_name and host");
            return null;
        }

        var model = RequiredName(body, string.Empty, "model_name", problems);
        var host = ReadHost(body, string.Empty, problems);
        return model is null || host is null ? null : PairKey.From(model, host);
    }

    /// <summary>The pair named by a query string (<c>?model_name=...&amp;host=...</c>).</summary>
    public static PairKey? ReadPair(HttpRequest request, Problems problems)
    {
        var query = StrictQuery(request, ["model_name", "host"], problems);
        var model = RequiredQueryName(query, "model_name", problems);
        var host = RequiredQueryName(query, "host", problems);
        return problems.Count == 0 ? PairKey.From(model!, host!) : null;
    }

    /// <summary>
    /// The query parameters named <paramref name="names"/>, decoded from the raw query. The framework's own decoding
    /// leaves escapes that are not UTF-8 (such as <c>%ED%A0%80</c>, the encoding of a lone surrogate) as they are, which
    /// would silently name another pair or filter; here they are refused, naming the parameter, and so is a parameter
    /// given twice. Parameters not named are ignored.
    /// </summary>
    public static IQueryCollection StrictQuery(HttpRequest request, IReadOnlyCollection<string> names, Problems problems)
    {
        var given = RawQuery(request).Where(parameter => names.Contains(parameter.Name)).ToLookup(parameter => parameter.Name, parameter => parameter.Value);
        var values = new Dictionary<string, StringValues>();
        foreach (var name in names.Where(given.Contains))
        {
            if (given[name].Count() > 1)
                problems.Add(name, "must be given once (query parameter)");
            else if (TryDecode(given[name].Single(), out var text))
                values[name] = text;
            else
                problems.Add(name, "is not valid UTF-8 text (query parameter)");
        }

        return new QueryCollection(values);
    }

    private static string? RequiredQueryName(IQueryCollection query, string name, Problems problems)
    {
        if (problems.ContainsKey(name)) return null;

        // Checked decoded: an encoded space (%20, +) is as empty as none, and the pair's names are trimmed.
        var text = query[name].ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add(name, "is required (query parameter)");
            return null;
        }

        return WithinNameLimit(text, name, problems);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Every parameter of the query string whose name is text, with its value still encoded.</summary>
    private static IEnumerable<(string Name, string Value)> RawQuery(HttpRequest request)
    {
        foreach (var part in (request.QueryString.Value ?? string.Empty).TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (TryDecode(equals < 0 ? part : part[..equals], out var name)) yield return (name, equals < 0 ? string.Empty : part[(equals + 1)..]);
        }
    }

    /// <summary>Form-style decoding (<c>+</c> is a space, <c>%XX</c> a byte) with the bytes read as strict UTF-8.</summary>
    private static bool TryDecode(string raw, out string text)
    {
        var bytes = new List<byte>(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '%' && i + 2 < raw.Length && Uri.IsHexDigit(raw[i + 1]) && Uri.IsHexDigit(raw[i + 2]))
            {
                bytes.Add(Convert.ToByte(raw.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (raw[i] == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(raw[i].ToString()));
            }
        }

        try
        {
            text = StrictUtf8.GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
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
                if (!TryGetText(value, out var text))
                {
                    problems.Add(field, NotText);
                    return false;
                }

                if (KeepAliveDuration.Parse(text) is KeepAliveValue.Invalid invalid)
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

    private static string? RequiredName(JsonElement item, string prefix, string name, Problems problems)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            problems.Add(Field(prefix, name), "is required and must be a non-empty string");
            return null;
        }

        if (!TryGetText(value, out var text))
        {
            problems.Add(Field(prefix, name), NotText);
            return null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add(Field(prefix, name), "is required and must be a non-empty string");
            return null;
        }

        return WithinNameLimit(text, Field(prefix, name), problems);
    }

    /// <summary>
    /// A model name or host no longer than <see cref="PairKey.MaxNameBytes"/>; a longer one could be taken here and never
    /// reach its pair on another node, so it is refused up front naming <paramref name="field"/>.
    /// </summary>
    private static string? WithinNameLimit(string text, string field, Problems problems)
    {
        if (PairKey.NameProblem(text) is not { } problem) return text;
        problems.Add(field, problem);
        return null;
    }

    private const string NotText = "is not valid text (it holds an unpaired UTF-16 surrogate escape such as \\ud800, or bytes that are not UTF-8)";

    /// <summary>
    /// A JSON string as text; an escaped lone surrogate (valid JSON, not text) or bytes that are not UTF-8 (which the
    /// parser lets through inside strings) make the reader throw, answered as a 400.
    /// </summary>
    private static bool TryGetText(JsonElement value, out string? text)
    {
        try
        {
            text = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    private static string Field(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}
