using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace ConnCount.LoadGen.Transport;

/// <summary>
/// Writes the HTTP/1.1 upgrade by hand and wraps the socket with <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>.
/// Per socket this keeps only the socket, a NetworkStream and the WebSocket: no HTTP connection object survives the upgrade.
/// </summary>
internal sealed class RawWebSocketConnector : IWebSocketConnector
{
    private const int MaxResponseHeaderBytes = 8192;
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private static readonly WebSocketCreationOptions CreationOptions = new()
    {
        IsServer = false,
        // Liveness is the Phoenix heartbeat's job; a keep-alive would add a timer per socket.
        KeepAliveInterval = TimeSpan.Zero,
    };

    public async ValueTask<OpenedSocket> ConnectAsync(Target target, CancellationToken cancellationToken)
    {
        var socket = await ClientSocket.ConnectAsync(target, cancellationToken);
        try
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = Encoding.ASCII.GetBytes(
                $"GET {target.Uri.PathAndQuery} HTTP/1.1\r\nHost: {target.Uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);

            var response = await ReadResponseHeadAsync(socket, cancellationToken);
            Validate(response, key);

            var webSocket = WebSocket.CreateFromStream(new NetworkStream(socket, ownsSocket: true), CreationOptions);
            return new OpenedSocket(webSocket, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// Reads exactly the response head. Peeking first means no byte after the blank line is consumed,
    /// so a frame the server sends right after the 101 is left for the WebSocket to read.
    /// </summary>
    private static async Task<string> ReadResponseHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxResponseHeaderBytes);
        try
        {
            var length = 0;
            var matched = 0;
            while (true)
            {
                if (length == MaxResponseHeaderBytes)
                {
                    throw new WebSocketException(WebSocketError.HeaderError, "The upgrade response head is too long.");
                }

                var peeked = await socket.ReceiveAsync(buffer.AsMemory(length, MaxResponseHeaderBytes - length), SocketFlags.Peek, cancellationToken);
                if (peeked == 0)
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the upgrade.");
                }

                var take = peeked;
                for (var i = 0; i < peeked; i++)
                {
                    var b = buffer[length + i];
                    matched = b == "\r\n\r\n"[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
                    if (matched == 4)
                    {
                        take = i + 1;
                        break;
                    }
                }

                for (var received = 0; received < take;)
                {
                    var n = await socket.ReceiveAsync(buffer.AsMemory(length + received, take - received), SocketFlags.None, cancellationToken);
                    if (n == 0)
                    {
                        throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the upgrade.");
                    }

                    received += n;
                }

                length += take;
                if (matched == 4)
                {
                    return Encoding.ASCII.GetString(buffer, 0, length);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Validate(string response, string key)
    {
        var lines = response.Split("\r\n");
        if (!lines[0].StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new WebSocketException(WebSocketError.NotAWebSocket, $"The server answered '{lines[0]}' instead of 101.");
        }

        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
            {
                if (line.AsSpan(colon + 1).Trim().SequenceEqual(expected))
                {
                    return;
                }

                break;
            }
        }

        throw new WebSocketException(WebSocketError.HeaderError, "Missing or wrong Sec-WebSocket-Accept.");
    }
}
