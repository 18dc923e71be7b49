using ConnCount.SocketNode.Counting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Sockets;

/// <summary>Maps the Phoenix WebSocket endpoint, <c>/socket/websocket</c>.</summary>
public static class PhoenixSocketEndpoint
{
    /// <summary>The path the phoenix client connects to for <c>new Socket("ws://host:port/socket")</c>.</summary>
    public const string Path = "/socket/websocket";

    private const string SubProtocol = "phoenix";

    public static IEndpointRouteBuilder MapPhoenixSocket(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map(Path, AcceptAsync).WithName("PhoenixSocket");
        return endpoints;
    }

    private static async Task<IResult> AcceptAsync(
        HttpContext context,
        ConnectionRegistry registry,
        ChannelEventHandler events,
        SessionTracker sessions,
        IOptions<SocketNodeOptions> options,
        ILoggerFactory loggers)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(
                title: "WebSocket upgrade required",
                detail: $"Connect with a WebSocket client to {Path}?vsn=2.0.0.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var vsn = context.Request.Query["vsn"].ToString();
        if (vsn.Length > 0 && !vsn.StartsWith("2.", StringComparison.Ordinal))
        {
            return TypedResults.Problem(
                title: "Unsupported protocol version",
                detail: $"vsn={vsn} is not supported; this server speaks Phoenix Channels 2.0.0 (JSON).",
                statusCode: StatusCodes.Status400BadRequest);
        }

        // The phoenix client asks for the "phoenix" sub-protocol when it sends an auth token in the header.
        var subProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol) ? SubProtocol : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol });
        var session = new PhoenixSession(socket, registry, events, options.Value, loggers.CreateLogger<PhoenixSession>());
        sessions.Add(session);
        try
        {
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            sessions.Remove(session);
        }

        return TypedResults.Empty;
    }
}
