using System.Security.Cryptography;
using System.Text;

namespace KeepAlive.Host.Api;

/// <summary>
/// The optional bearer token of the API (<c>KeepAlive:ApiToken</c>). When set, every request except the
/// health endpoints needs <c>Authorization: Bearer &lt;token&gt;</c>. The token is never logged or echoed.
/// </summary>
public static class ApiTokenAuthentication
{
    public static IApplicationBuilder UseApiToken(this IApplicationBuilder app, string? token, IReadOnlyCollection<PathString> openPaths)
    {
        if (string.IsNullOrEmpty(token)) return app;
        // Hashes have one length, so comparing them in constant time does not leak the token's length either.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

        return app.Use(async (context, next) =>
        {
            if (openPaths.Contains(context.Request.Path) || Presents(context.Request, expected))
            {
                await next(context);
                return;
            }

            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: "This API needs the header Authorization: Bearer <api token> (setting KeepAlive:ApiToken).")
                .ExecuteAsync(context);
        });
    }

    private static bool Presents(HttpRequest request, byte[] expected)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
