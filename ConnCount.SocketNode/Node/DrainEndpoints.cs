using System.Net;
using ConnCount.SocketNode.Sockets;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// <c>POST /admin/drain</c> stops accepting sockets and closes the open ones with 1001 so clients reconnect
/// to another replica; <c>DELETE /admin/drain</c> resumes. Allowed from loopback, or with the
/// <c>X-Admin-Key</c> header when <c>ConnCount:Node:AdminKey</c> is set.
/// </summary>
public static class DrainEndpoints
{
    public const string Path = "/admin/drain";

    public static IEndpointRouteBuilder MapDrain(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, async (HttpContext context, NodeState state, SessionTracker sessions, IOptions<SocketNodeOptions> options) =>
        {
            if (!Allowed(context, options.Value))
            {
                return Forbidden();
            }

            state.SetDraining(true);
            var closed = await sessions.CloseAllAsync("node draining");
            return Results.Ok(new DrainStatus(true, closed));
        }).WithName("DrainNode");

        endpoints.MapDelete(Path, (HttpContext context, NodeState state, IOptions<SocketNodeOptions> options) =>
        {
            if (!Allowed(context, options.Value))
            {
                return Forbidden();
            }

            state.SetDraining(false);
            return Results.Ok(new DrainStatus(false, 0));
        }).WithName("ResumeNode");
        return endpoints;
    }

    private static IResult Forbidden() => TypedResults.Problem(
        title: "Admin access required",
        detail: "Call from loopback, or send X-Admin-Key matching ConnCount:Node:AdminKey.",
        statusCode: StatusCodes.Status403Forbidden);

    private static bool Allowed(HttpContext context, SocketNodeOptions options)
    {
        if (!string.IsNullOrEmpty(options.AdminKey))
        {
            var sent = context.Request.Headers["X-Admin-Key"].ToString();
            return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(sent), System.Text.Encoding.UTF8.GetBytes(options.AdminKey));
        }

        return context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);
    }

    /// <summary>The answer: whether the node now drains, and how many sockets it asked to close.</summary>
    public sealed record DrainStatus(
        [property: System.Text.Json.Serialization.JsonPropertyName("draining")] bool Draining,
        [property: System.Text.Json.Serialization.JsonPropertyName("sockets_closed")] int SocketsClosed);
}
