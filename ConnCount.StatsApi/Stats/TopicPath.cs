namespace ConnCount.StatsApi.Stats;

/// <summary>
/// Reads the topic of <c>GET /api/stats/topics/{*topic}</c> from the request target as the client sent it.
/// Kestrel decodes every escape in the path except <c>%2F</c>, so the route value alone cannot tell the topic
/// <c>a/b</c> (sent as <c>a%2Fb</c>) from the topic <c>a%2Fb</c> (sent as <c>a%252Fb</c>); the raw target can.
/// </summary>
public static class TopicPath
{
    /// <summary>
    /// The topic: the raw path's last segments (as many as the route value has), each percent-decoded once.
    /// Falls back to the route value when the raw target is not at hand or does not end in those segments.
    /// </summary>
    /// <param name="routeValue">The catch-all value routing bound.</param>
    /// <param name="rawTarget">The request target as received (<c>IHttpRequestFeature.RawTarget</c>).</param>
    public static string Decode(string routeValue, string? rawTarget)
    {
        var path = RawPath(rawTarget);
        if (path is null)
        {
            return routeValue;
        }

        // Segments map one to one: %2F does not split a segment for Kestrel, and a path with dot segments
        // (which Kestrel removes) never gets here (DotSegmentRefusal).
        var segments = routeValue.Count(c => c == '/') + 1;
        var start = path.Length;
        for (var i = 0; i < segments; i++)
        {
            start = start == 0 ? -1 : path.LastIndexOf('/', start - 1);
            if (start < 0)
            {
                return routeValue;
            }
        }

        return Uri.UnescapeDataString(path[(start + 1)..]);
    }

    /// <summary>
    /// One segment of the raw path, counted from its end (1: the last), percent-decoded once: the topic of a route
    /// such as <c>/api/topics/{topic}/messages</c>, where Kestrel would leave <c>%2F</c> encoded. Falls back to the
    /// route value when the raw target is not at hand or has fewer segments.
    /// </summary>
    public static string SegmentFromEnd(string routeValue, string? rawTarget, int fromEnd)
    {
        if (RawPath(rawTarget) is not { } path)
        {
            return routeValue;
        }

        var segments = path.Split('/');
        return segments.Length > fromEnd ? Uri.UnescapeDataString(segments[^fromEnd]) : routeValue;
    }

    /// <summary>The path part of a request target (origin form or absolute form); null for <c>*</c> or an authority.</summary>
    public static string? RawPath(string? rawTarget)
    {
        if (string.IsNullOrEmpty(rawTarget))
        {
            return null;
        }

        var start = 0;
        if (rawTarget[0] != '/')
        {
            var scheme = rawTarget.IndexOf("://", StringComparison.Ordinal);
            start = scheme < 0 ? -1 : rawTarget.IndexOf('/', scheme + 3);
            if (start < 0)
            {
                return null;
            }
        }

        var end = rawTarget.IndexOfAny(['?', '#'], start);
        return end < 0 ? rawTarget[start..] : rawTarget[start..end];
    }
}
