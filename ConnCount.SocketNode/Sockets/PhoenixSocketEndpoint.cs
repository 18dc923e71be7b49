using System.Text;
using ConnCount.SocketNode.Counting;
using ConnCount.SocketNode.Protection;

namespace ConnCount.SocketNode.Sockets;

/// <summary>Maps the Phoenix WebSocket endpoint, <c>/socket/websocket</c>.</summary>
public static class PhoenixSocketEndpoint
{
    /// <summary>The path the phoenix client connects to for <c>new Socket("ws://host:port/socket")</c>.</summary>
    public const string Path = "/socket/websocket";

    private const string SubProtocol = "phoenix";
    private const string TokenProtocolPrefix = "base64url.bearer.phx.";

    public static IEndpointRouteBuilder MapPhoenixSocket(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map(Path, AcceptAsync).WithName("PhoenixSocket").RequireRateLimiting(UpgradeGate.PerIpPolicy);
        return endpoints;
    }

    private static async Task<IResult> AcceptAsync(
        HttpContext context,
        UpgradeGate gate,
        ConnectionRegistry registry,
        SessionDependencies deps,
        SessionTracker sessions)
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

        if (gate.TryEnter(context) is { } refusal)
        {
            return refusal;
        }

        // From here a socket slot is reserved; it is released exactly once, whatever happens.
        try
        {
            // The phoenix client asks for the "phoenix" sub-protocol when it sends an auth token in the header.
            var requested = context.WebSockets.WebSocketRequestedProtocols;
            var subProtocol = requested.Contains(SubProtocol) ? SubProtocol : null;
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol });
            var session = new PhoenixSession(socket, deps, ReadAuthToken(requested));
            sessions.Add(session);
            try
            {
                await session.RunAsync(context.RequestAborted);
            }
            finally
            {
                sessions.Remove(session);
            }
        }
        finally
        {
            registry.SocketClosed();
        }

        return TypedResults.Empty;
    }

    /// <summary>Decodes the token the phoenix client sends as <c>base64url.bearer.phx.&lt;base64 token&gt;</c>.</summary>
    public static string? ReadAuthToken(IEnumerable<string> protocols)
    {
        var encoded = protocols.FirstOrDefault(p => p.StartsWith(TokenProtocolPrefix, StringComparison.Ordinal))?[TokenProtocolPrefix.Length..];
        if (string.IsNullOrEmpty(encoded))
        {
            return null;
        }

        try
        {
            var base64 = encoded.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            // An undecodable token is no token: protected joins will be refused as unauthorized.
            return null;
        }
    }
}
