namespace KeepAlive.Host.Ui;

/// <summary>
/// The status page at <c>/</c>: one HTML page, its script and its style sheet, embedded in the host
/// assembly so the page works where nothing but the host is reachable. The files hold no data: the
/// script reads the API, with the API token when one is set, so they are served without the token.
/// </summary>
public static class StatusPage
{
    private sealed record Asset(string Path, string FileName, string ContentType);

    private static readonly Asset[] Assets =
    [
        new("/", "index.html", "text/html; charset=utf-8"),
        new("/ui/status.js", "status.js", "text/javascript; charset=utf-8"),
        new("/ui/status.css", "status.css", "text/css; charset=utf-8"),
    ];

    // Everything from this origin and nothing else: no CDN, no font service, no inline script; and a form
    // can never send the token anywhere (the script reads it and keeps it in the tab's sessionStorage).
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The page's paths: open without the API token, since they carry no data.</summary>
    public static IReadOnlyList<PathString> Paths { get; } = Assets.Select(asset => new PathString(asset.Path)).ToArray();

    public static IEndpointRouteBuilder MapStatusPage(this IEndpointRouteBuilder app)
    {
        foreach (var asset in Assets)
        {
            var content = Read(asset.FileName);
            app.MapGet(asset.Path, (HttpResponse response) =>
            {
                response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers["Referrer-Policy"] = "no-referrer";
                // A new version of the host must not be shown through an old cached script.
                response.Headers.CacheControl = "no-cache";
                return Results.Bytes(content, asset.ContentType);
            });
        }

        return app;
    }

    private static byte[] Read(string fileName)
    {
        var name = $"{typeof(StatusPage).Namespace}.{fileName}";
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"KeepAlive.Host was built without its embedded status page file {name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
