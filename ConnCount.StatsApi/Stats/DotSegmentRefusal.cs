using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace ConnCount.StatsApi.Stats;

/// <summary>
/// Refuses, with 400 problem details, a request whose path has a <c>.</c> or <c>..</c> segment (also as
/// <c>%2E</c>). Kestrel removes dot segments before routing, so <c>/api/stats/topics/..</c> would otherwise be
/// answered by <c>/api/stats</c>, and a topic name could pick any endpoint. Browsers and HTTP clients remove dot
/// segments themselves before sending, so only a hand-made target is refused; topics named <c>.</c> or
/// <c>..</c> are asked for with <c>GET /api/stats/topic?name=</c>.
/// </summary>
/// <remarks>
/// Middleware, not an endpoint filter: after normalisation the request may match any endpoint (health, the live
/// page's files) or none, and only the raw target (<see cref="IHttpRequestFeature.RawTarget"/>) still shows the dots.
/// </remarks>
public sealed class DotSegmentRefusal(RequestDelegate next, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!HasDotSegment(context.Features.Get<IHttpRequestFeature>()?.RawTarget))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Dot segments in the path",
                Detail = "A path segment '.' or '..' (also percent-encoded) is not accepted. To ask for a topic named like that, use GET /api/stats/topic?name=<percent-encoded topic>.",
            },
        }).AsTask();
    }

    /// <summary>Whether the raw target's path has a segment that decodes to <c>.</c> or <c>..</c>.</summary>
    public static bool HasDotSegment(string? rawTarget)
    {
        var path = TopicPath.RawPath(rawTarget);
        if (path is null || (!path.Contains('.') && !path.Contains("%2", StringComparison.Ordinal)))
        {
            return false;
        }

        foreach (var segment in path.Split('/'))
        {
            // The longest dot segment is "%2E%2E"; Kestrel decodes once, so "%252E" is a literal "%2E", not a dot.
            if (segment.Length is > 0 and <= 6 && Uri.UnescapeDataString(segment) is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Registers <see cref="DotSegmentRefusal"/>.</summary>
public static class DotSegmentRefusalExtensions
{
    /// <summary>Refuses dot segments before anything else answers; call it first.</summary>
    public static IApplicationBuilder UseDotSegmentRefusal(this IApplicationBuilder app) => app.UseMiddleware<DotSegmentRefusal>();
}
