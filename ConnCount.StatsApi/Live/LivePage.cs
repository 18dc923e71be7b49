using Microsoft.Extensions.FileProviders;

namespace ConnCount.StatsApi.Live;

/// <summary>
/// The live stats page: static HTML, CSS and JS embedded in the assembly (it works wherever the dll runs,
/// whatever the working directory), served under <c>/live/</c>; <c>/</c> redirects there. The page itself
/// is open: it holds no data, and its script sends the API key with every stats request. The key is given in
/// the fragment (<c>/live/#key=</c>), which browsers never send, so it reaches no server log and no redirect.
/// </summary>
public static class LivePage
{
    /// <summary>Where the page is served.</summary>
    public const string RequestPath = "/live";

    // Same-origin only, no inline script or style: a topic name that carries markup cannot run.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Serves the page's files and redirects <c>/</c> to it. The redirect drops the query, so a key sent as
    /// <c>/?key=</c> is never repeated in <c>Location</c>; a browser keeps the fragment across it, so <c>/#key=</c> works.
    /// </summary>
    public static WebApplication UseLivePage(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(LivePage).Assembly, "ConnCount.StatsApi.Live.Page");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = RequestPath });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = RequestPath,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache";
            },
        });

        app.MapGet("/", (HttpRequest request) => TypedResults.Redirect($"{request.PathBase}{RequestPath}/"))
            .ExcludeFromDescription();
        return app;
    }
}
