using System.Buffers;
using System.Net.WebSockets;
using ConnCount.SocketNode.Counting;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// One client socket speaking Phoenix Channels v2. Its receive loop is the only place that changes the
/// socket's memberships, and its <c>finally</c> is the only place that ends them on close, abort or idle
/// timeout, so every membership is counted down exactly once.
/// </summary>
public sealed class PhoenixSession
{
    /// <summary>Join refused: the topic is empty.</summary>
    public const string InvalidTopic = "invalid topic";
    /// <summary>Join refused: the topic is longer than the configured maximum.</summary>
    public const string TopicTooLong = "topic too long";
    /// <summary>Join refused: the socket has joined the maximum number of topics.</summary>
    public const string TooManyChannels = "too many channels joined";
    /// <summary>Join refused: the topic is reserved for the socket itself.</summary>
    public const string ReservedTopic = "reserved topic";
    /// <summary>Join refused: no join_ref was sent.</summary>
    public const string MissingJoinRef = "missing join_ref";
    /// <summary>A push or leave on a topic this socket has not joined.</summary>
    public const string UnmatchedTopic = "unmatched topic";

    private const int InitialBufferBytes = 4096;

    private readonly WebSocket _socket;
    private readonly ConnectionRegistry _registry;
    private readonly ChannelEventHandler _events;
    private readonly SocketNodeOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Dictionary<string, string> _joined = new(StringComparer.Ordinal);
    private long _lastActivity = Environment.TickCount64;

    public PhoenixSession(WebSocket socket, ConnectionRegistry registry, ChannelEventHandler events, SocketNodeOptions options, ILogger logger)
    {
        _socket = socket;
        _registry = registry;
        _events = events;
        _options = options;
        _logger = logger;
    }

    /// <summary>Milliseconds (of <see cref="Environment.TickCount64"/>) when the client last sent a message.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Tears the connection down at once; the receive loop then ends the memberships.</summary>
    public void Abort() => _socket.Abort();

    /// <summary>Starts a close handshake (for example 1001 when the node stops).</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await _sendLock.WaitAsync(cancellationToken);
            try
            {
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(status, reason, cancellationToken);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort();
        }
    }

    /// <summary>Runs until the socket closes, fails or is aborted; then ends every membership it held.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _registry.SocketOpened();
        try
        {
            await ReceiveLoopAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            _logger.LogDebug("Socket ended without a close handshake: {Reason}", ex.Message);
        }
        finally
        {
            foreach (var topic in _joined.Keys)
            {
                _registry.Leave(topic);
            }

            _joined.Clear();
            _registry.SocketClosed();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
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

                Volatile.Write(ref _lastActivity, Environment.TickCount64);
                if (message.Length > _options.MaxFrameBytes)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"message over {_options.MaxFrameBytes} bytes", cancellationToken);
                    return;
                }

                if (message.Type == WebSocketMessageType.Binary)
                {
                    await CloseAsync(WebSocketCloseStatus.InvalidMessageType, "binary frames are not supported; send JSON text", cancellationToken);
                    return;
                }

                await HandleMessageAsync(message.Buffer.AsMemory(0, message.Length), cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(message.Buffer);
            }
        }
    }

    /// <summary>
    /// Reads one whole message into a rented buffer (the caller returns it), growing the buffer as needed;
    /// stops reading once the message is over the configured maximum.
    /// </summary>
    private async Task<ReceivedMessage> ReadMessageAsync(ValueWebSocketReceiveResult first, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        var length = 0;
        var result = first;
        try
        {
            while (!result.EndOfMessage && length <= _options.MaxFrameBytes)
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

    private async Task HandleMessageAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        if (!PhoenixFrameParser.TryParse(utf8, out var frame, out var error))
        {
            if (frame.Ref is not null && frame.Topic is { Length: > 0 })
            {
                await SendReplyErrorAsync(frame, error!, cancellationToken);
            }
            else
            {
                // Nothing to correlate the answer with: tell the socket as a whole.
                await SendAsync(w => PhoenixFrameWriter.WritePush(w, null, PhoenixEvents.SocketTopic, PhoenixEvents.Error, p =>
                {
                    p.WriteStartObject();
                    p.WriteString("reason"u8, error);
                    p.WriteEndObject();
                }), cancellationToken);
            }

            return;
        }

        switch (frame.Event)
        {
            case PhoenixEvents.Heartbeat when frame.Topic == PhoenixEvents.SocketTopic:
                await SendOkAsync(frame, null, cancellationToken);
                break;
            case PhoenixEvents.Join:
                await JoinAsync(frame, cancellationToken);
                break;
            case PhoenixEvents.Leave:
                await LeaveAsync(frame, cancellationToken);
                break;
            default:
                if (!_joined.ContainsKey(frame.Topic))
                {
                    await SendReplyErrorAsync(frame, UnmatchedTopic, cancellationToken);
                    break;
                }

                var reply = await _events.HandleAsync(frame.Event, cancellationToken);
                if (reply.Ok)
                {
                    await SendOkAsync(frame, reply.Response, cancellationToken);
                }
                else
                {
                    await SendReplyErrorAsync(frame, reply.Reason!, cancellationToken);
                }

                break;
        }
    }

    private async Task JoinAsync(PhoenixFrame frame, CancellationToken cancellationToken)
    {
        var refusal = frame switch
        {
            { JoinRef: null } => MissingJoinRef,
            { Topic.Length: 0 } => InvalidTopic,
            { Topic: PhoenixEvents.SocketTopic } => ReservedTopic,
            _ when frame.Topic.Length > _options.MaxTopicLength => TopicTooLong,
            _ when !_joined.ContainsKey(frame.Topic) && _joined.Count >= _options.MaxChannelsPerSocket => TooManyChannels,
            _ => null,
        };
        if (refusal is not null)
        {
            await SendReplyErrorAsync(frame, refusal, cancellationToken);
            return;
        }

        if (_joined.TryGetValue(frame.Topic, out var oldJoinRef))
        {
            // A rejoin replaces the old membership without counting twice: close the old channel, keep the count.
            _joined[frame.Topic] = frame.JoinRef!;
            await SendAsync(w => PhoenixFrameWriter.WritePush(w, oldJoinRef, frame.Topic, PhoenixEvents.Close, null), cancellationToken);
        }
        else
        {
            _joined.Add(frame.Topic, frame.JoinRef!);
            _registry.Join(frame.Topic);
        }

        await SendOkAsync(frame, null, cancellationToken);
    }

    private async Task LeaveAsync(PhoenixFrame frame, CancellationToken cancellationToken)
    {
        if (!_joined.Remove(frame.Topic, out var joinRef))
        {
            await SendReplyErrorAsync(frame, UnmatchedTopic, cancellationToken);
            return;
        }

        _registry.Leave(frame.Topic);
        await SendOkAsync(frame, null, cancellationToken);
        await SendAsync(w => PhoenixFrameWriter.WritePush(w, joinRef, frame.Topic, PhoenixEvents.Close, null), cancellationToken);
    }

    private Task SendOkAsync(PhoenixFrame frame, Action<System.Text.Json.Utf8JsonWriter>? response, CancellationToken cancellationToken) =>
        SendAsync(w => PhoenixFrameWriter.WriteReply(w, frame.JoinRef, frame.Ref, frame.Topic, "ok", response), cancellationToken);

    private Task SendReplyErrorAsync(PhoenixFrame frame, string reason, CancellationToken cancellationToken) =>
        SendAsync(w => PhoenixFrameWriter.WriteErrorReply(w, frame.JoinRef, frame.Ref, frame.Topic, reason), cancellationToken);

    /// <summary>Sends one text frame; sends from other threads (server pushes) are serialised by a lock.</summary>
    public async Task SendAsync(Action<ArrayBufferWriter<byte>> write, CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>(256);
        write(output);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(output.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private readonly record struct ReceivedMessage(byte[] Buffer, int Length, WebSocketMessageType Type);
}
