using System.Net.WebSockets;
using System.Text.Json;

namespace ConnCount.Baseline;

/// <summary>
/// The answering floor for the throughput rows: every Phoenix v2 text frame <c>[join_ref, ref, topic, event, payload]</c>
/// gets <c>[join_ref, ref, topic, "phx_reply", {"status":"ok","response":{}}]</c> and nothing else happens. No
/// channel state, no counting, no <c>phx_close</c> after a leave (the LoadGen matches replies by ref and needs none);
/// whatever a socket node does beyond this is what the ratio to this server measures.
/// </summary>
internal static class PhoenixAnswer
{
    /// <summary>A frame larger than this is not one the LoadGen sends; the socket is closed instead of growing further.</summary>
    private const int MaxFrameBytes = 64 * 1024;

    /// <summary>Everything after the echoed topic: the event and the fixed payload, closing the array.</summary>
    private static ReadOnlySpan<byte> ReplyTail => ",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]"u8;

    /// <summary>
    /// Accepts, then answers each text frame in the order it came until the client closes or vanishes. The reply
    /// is written over the frame in its own receive buffer, so a frame costs one parse of its first three elements,
    /// one copy of a constant and one send; nothing is allocated per frame.
    /// </summary>
    public static async Task AnswerAsync(HttpContext context, SocketGauge gauge, WebSocketAcceptContext accept, int receiveBufferBytes)
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
            var buffer = new byte[Math.Max(receiveBufferBytes, 2 * ReplyTail.Length)];
            while (true)
            {
                // Reads leave room for the reply's tail, so the reply always fits where the frame was. As in the
                // socket node, they take no token: a lost connection fails the read by itself.
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (buffer.Length - count <= ReplyTail.Length && !TryGrow(ref buffer))
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, null, context.RequestAborted);
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(count, buffer.Length - count - ReplyTail.Length), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                if (result.MessageType != WebSocketMessageType.Text || !TryWriteReply(buffer, count, out var replyLength))
                {
                    await socket.CloseAsync(WebSocketCloseStatus.InvalidPayloadData, "not a Phoenix v2 frame", context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, replyLength), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The client aborted: that is a normal end here too.
        }
        finally
        {
            gauge.Closed();
        }
    }

    /// <summary>
    /// Turns the frame in <paramref name="buffer"/> into its reply in place: its first three elements (join_ref, ref,
    /// topic) stay as they were sent, byte for byte, and the fixed tail replaces the event and payload. The buffer must
    /// hold the frame's length plus the tail's. False when the frame does not start like a v2 array.
    /// </summary>
    internal static bool TryWriteReply(Span<byte> buffer, int frameLength, out int replyLength)
    {
        replyLength = 0;
        var reader = new Utf8JsonReader(buffer[..frameLength]);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            for (var element = 0; element < 3; element++)
            {
                if (!reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        var head = (int)reader.BytesConsumed;
        ReplyTail.CopyTo(buffer[head..]);
        replyLength = head + ReplyTail.Length;
        return true;
    }

    private static bool TryGrow(ref byte[] buffer)
    {
        if (buffer.Length >= MaxFrameBytes)
        {
            return false;
        }

        Array.Resize(ref buffer, Math.Min(2 * buffer.Length, MaxFrameBytes));
        return true;
    }
}
