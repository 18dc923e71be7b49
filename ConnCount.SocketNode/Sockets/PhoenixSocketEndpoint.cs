using System.Text;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;
using Microsoft.AspNetCore.WebUtilities;

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
        var gate = endpoints.ServiceProvider.GetRequiredService<UpgradeGate>();
        var protocol = endpoints.ServiceProvider.GetRequiredService<PhoenixProtocol>();
        endpoints.Map(Path, context => AcceptAsync(context, gate, protocol)).WithName("PhoenixSocket");
        return endpoints;
    }

    /// <summary>
    /// Refuses a bad or unwelcome upgrade with a problem response; otherwise hands the request to a
    /// <see cref="PhoenixSession"/> for the socket's life. Nothing here is awaited, so an open socket holds no
    /// state of this method.
    /// </summary>
    private static Task AcceptAsync(HttpContext context, UpgradeGate gate, PhoenixProtocol protocol)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(
                title: "WebSocket upgrade required",
                detail: $"Connect with a WebSocket client to {Path}?vsn=2.0.0.",
                statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
        }

        var vsn = ReadVsn(context.Request.QueryString);
        if (vsn.Length > 0 && !vsn.StartsWith("2.", StringComparison.Ordinal))
        {
            return TypedResults.Problem(
                title: "Unsupported protocol version",
                detail: $"vsn={vsn} is not supported; this server speaks Phoenix Channels 2.0.0 (JSON).",
                statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
        }

        if (gate.TryEnter(context) is { } refusal)
        {
            return refusal.ExecuteAsync(context);
        }

        // From here a socket slot is reserved; the session releases it exactly once, whatever happens.
        // The phoenix client asks for the "phoenix" sub-protocol when it sends an auth token in the header.
        var requested = context.WebSockets.WebSocketRequestedProtocols;
        var session = new PhoenixSession(protocol, ReadAuthToken(requested));
        return session.RunAsync(context, requested.Contains(SubProtocol) ? SubProtocol : null);
    }

    /// <summary>
    /// The <c>vsn</c> query parameter, read from the raw query string: <c>Request.Query</c> would keep a parsed
    /// collection alive for the socket's whole life.
    /// </summary>
    private static string ReadVsn(QueryString query)
    {
        foreach (var pair in new QueryStringEnumerable(query.Value))
        {
            if (pair.EncodedName.Span.SequenceEqual("vsn"))
            {
                return pair.DecodeValue().ToString();
            }
        }

        return "";
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
