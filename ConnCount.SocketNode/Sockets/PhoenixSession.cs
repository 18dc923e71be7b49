using System.Buffers;
using System.Net.WebSockets;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// The WebSocket transport of one client socket: the receive loop and pooled buffers. Each whole text
/// message goes to <see cref="PhoenixProtocol"/>; when the loop ends (close, failure, abort, idle timeout) its
/// <c>finally</c> hands the socket back to the protocol, which ends every membership it held, once.
/// </summary>
public sealed class PhoenixSession(PhoenixProtocol protocol, string? socketToken)
    : PhoenixConnection(socketToken)
{
    private const int InitialBufferBytes = 4096;

    /// <summary>How long a socket the WebSocket layer closed for bad input stays open for the client to read the close frame.</summary>
    private static readonly TimeSpan FaultedCloseLinger = TimeSpan.FromMilliseconds(250);

    private WebSocket _socket = null!;

    public override void Abort() => _socket?.Abort();

    public override async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, reason, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort();
        }
    }

    /// <summary>
    /// Accepts the upgrade (whose socket slot <see cref="UpgradeGate"/> reserved) and runs the socket until it
    /// closes, fails or is aborted; then hands it back to the protocol, which ends its memberships and releases the slot.
    /// </summary>
    /// <remarks>
    /// One async method for the socket's whole life, the receive loop inline: an idle socket waits in a single
    /// state machine rather than a chain of them. The reads take no cancellation token: a lost connection fails the
    /// read by itself, <see cref="Abort"/> ends it, and a token (<c>RequestAborted</c>) would keep a registration
    /// alive on every idle socket.
    /// </remarks>
    public async Task RunAsync(HttpContext context, string? subProtocol)
    {
        var cancellationToken = CancellationToken.None;
        try
        {
            _socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol });
            protocol.Opened(this);
            while (true)
            {
                // A zero-byte read waits for the next message without holding a buffer per idle socket.
                var peek = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken);
                    return;
                }

                var message = await ReadMessageAsync(peek, cancellationToken);
                try
                {
                    if (message.Type == WebSocketMessageType.Close)
                    {
                        await CloseAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken);
                        return;
                    }

                    Touch();
                    if (message.Length > protocol.MaxFrameBytes)
                    {
                        await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"message over {protocol.MaxFrameBytes} bytes", cancellationToken);
                        return;
                    }

                    if (message.Type == WebSocketMessageType.Binary)
                    {
                        await CloseAsync(WebSocketCloseStatus.InvalidMessageType, "binary frames are not supported; send JSON text", cancellationToken);
                        return;
                    }

                    await protocol.HandleAsync(this, message.Buffer.AsMemory(0, message.Length), cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(message.Buffer);
                }
            }
        }
        catch (WebSocketException ex) when (ex.WebSocketErrorCode == WebSocketError.Faulted)
        {
            // The WebSocket layer refused what the client sent (invalid UTF-8, a protocol error) and sent its close
            // frame. Closing the connection at once, while the client's answer is still unread, would reset it, and a
            // reset can throw away the close frame before the client reads it: give the client a moment to read it.
            protocol.Logger.LogDebug("Socket closed by the WebSocket layer: {Reason}", ex.Message);
            await Task.Delay(FaultedCloseLinger);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            protocol.Logger.LogDebug("Socket ended without a close handshake: {Reason}", ex.Message);
        }
        finally
        {
            protocol.Closed(this);
            _socket?.Dispose();
        }
    }

    /// <summary>
    /// Reads one whole message into a rented buffer (the caller returns it), growing the buffer as needed;
    /// stops reading once the message is over the configured maximum.
    /// </summary>
    private async ValueTask<ReceivedMessage> ReadMessageAsync(ValueWebSocketReceiveResult first, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        var length = 0;
        var result = first;
        try
        {
            while (!result.EndOfMessage && length <= protocol.MaxFrameBytes)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new ReceivedMessage(buffer, 0, WebSocketMessageType.Close);
                }

                length += result.Count;
            }

            return new ReceivedMessage(buffer, length, first.MessageType);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Copies the frame into a pooled buffer (the send may finish on another thread) and sends it.</summary>
    /// <remarks>
    /// No lock of its own: every frame is one whole message, and ASP.NET Core's WebSocket (<c>ManagedWebSocket</c>)
    /// writes each send, close and ping under its own send mutex, one after another, so frames from the receive loop
    /// and from broadcasts never interleave. A lock here cost 64 bytes per socket and a second wait per frame. A frame
    /// racing a close is refused by the WebSocket or dropped here, or at worst follows the close frame, which the
    /// client ignores.
    /// </remarks>
    public override Task SendAsync(ReadOnlySpan<byte> frame, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buffer);
        return SendPooledAsync(buffer, frame.Length, cancellationToken);
    }

    private async Task SendPooledAsync(byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
        }
        catch (Exception ex) when ((ex is WebSocketException or ObjectDisposedException) && _socket.State != WebSocketState.Open)
        {
            // Closed between the check and the send (a close frame, an abort): the frame has nowhere to go.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private readonly record struct ReceivedMessage(byte[] Buffer, int Length, WebSocketMessageType Type);
}
