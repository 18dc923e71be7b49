using System.Net.WebSockets;

namespace ConnCount.Baseline;

/// <summary>The baseline's routes: WebSocket endpoints that only hold sockets, one that answers every frame, and the memory figures.</summary>
internal static class BaselineEndpoints
{
    /// <summary>
    /// Maps <c>/socket/websocket</c> and <c>/ws</c> (accept, read until close, close), <c>/answer/websocket</c> (a fixed
    /// Phoenix <c>ok</c> reply to every frame, see <see cref="PhoenixAnswer"/>) and <c>GET /memory</c> (<c>?gc=true</c>
    /// collects first).
    /// </summary>
    public static WebApplication MapBaselineEndpoints(this WebApplication app)
    {
        var receiveBufferBytes = app.Configuration.GetValue("receive-buffer", 256);
        var accept = new WebSocketAcceptContext
        {
            // Off by default: a keep-alive adds a timer per socket, and the floor should not carry one.
            KeepAliveInterval = TimeSpan.FromSeconds(app.Configuration.GetValue("keep-alive-seconds", 0.0)),
        };
        app.Map("/socket/websocket", (HttpContext context, SocketGauge gauge) => HoldAsync(context, gauge, accept, receiveBufferBytes));
        app.Map("/ws", (HttpContext context, SocketGauge gauge) => HoldAsync(context, gauge, accept, receiveBufferBytes));
        app.Map("/answer/websocket", (HttpContext context, SocketGauge gauge) => PhoenixAnswer.AnswerAsync(context, gauge, accept, receiveBufferBytes));
        app.MapGet("/memory", (bool? gc, SocketGauge gauge, IdleMemory idle) =>
        {
            if (gc == true)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }

            return TypedResults.Ok(MemorySnapshot.Capture(gauge, idle.WorkingSet));
        });
        return app;
    }

    /// <summary>
    /// Accepts, then reads and discards until the client closes or vanishes. No protocol, no counting beyond the
    /// gauge: the floor that a real socket node's memory and throughput are compared with.
    /// </summary>
    private static async Task HoldAsync(HttpContext context, SocketGauge gauge, WebSocketAcceptContext accept, int receiveBufferBytes)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(accept);
        gauge.Opened();
        try
        {
            var buffer = new byte[receiveBufferBytes];
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The client aborted: that is a normal end for a held socket.
        }
        finally
        {
            gauge.Closed();
        }
    }
}
