using System.Security.Cryptography;
using System.Text;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// <c>POST /admin/drain</c> stops accepting sockets and closes the open ones with 1001 so clients reconnect
/// to another replica; <c>DELETE /admin/drain</c> resumes. Both need <c>ConnCount:Node:AdminKey</c> in the
/// <c>X-Admin-Key</c> header; with no key configured they are disabled. Both answer the node's
/// <see cref="DrainStatus"/>: <c>{"node","draining","sockets_closed"}</c>.
/// </summary>
/// <remarks>
/// Never authorized by address: behind a proxy every caller may look like loopback. A custom header is something a
/// web page can only send after a CORS preflight, which the node does not answer, so a cross-origin page cannot
/// trigger these (a <c>text/plain</c> form POST carries no such header).
/// </remarks>
public static class DrainEndpoints
{
    public const string Path = "/admin/drain";

    /// <summary>The header that carries the admin key.</summary>
    public const string KeyHeader = "X-Admin-Key";

    public static IEndpointRouteBuilder MapDrain(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, async (HttpContext context, NodeDrainer drainer, IOptions<SocketNodeOptions> options) =>
            Refusal(context, options.Value) ?? Answer(await drainer.DrainAsync("http")))
            .WithName("DrainNode");

        endpoints.MapDelete(Path, (HttpContext context, NodeDrainer drainer, IOptions<SocketNodeOptions> options) =>
            Refusal(context, options.Value) ?? Answer(drainer.Resume("http")))
            .WithName("ResumeNode");
        return endpoints;
    }

    // The wire contract's snake_case, the same answer the StatsApi relays for a drain by id.
    private static IResult Answer(DrainStatus status) => TypedResults.Json(status, ClusterJsonContext.Default.DrainStatus);

    /// <summary>Null when the request carries the configured key; otherwise the 403 problem to answer.</summary>
    private static IResult? Refusal(HttpContext context, SocketNodeOptions options)
    {
        if (string.IsNullOrEmpty(options.AdminKey))
        {
            return TypedResults.Problem(
                title: "Admin endpoints disabled",
                detail: $"Set ConnCount:Node:AdminKey on this node and send it in {KeyHeader}.",
                statusCode: StatusCodes.Status403Forbidden);
        }

        // Hashes of equal length, so the comparison takes the same time whatever was sent, its length included.
        var sent = SHA256.HashData(Encoding.UTF8.GetBytes(context.Request.Headers[KeyHeader].ToString()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.AdminKey));
        return CryptographicOperations.FixedTimeEquals(sent, expected)
            ? null
            : TypedResults.Problem(
                title: "Admin access required",
                detail: $"Send {KeyHeader} matching ConnCount:Node:AdminKey.",
                statusCode: StatusCodes.Status403Forbidden);
    }
}
