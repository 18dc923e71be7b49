using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// A small Phoenix Channels v2 (JSON) client over a real <see cref="ClientWebSocket"/>, for tests: join,
/// leave, push and heartbeat each await their <c>phx_reply</c>, matched by <c>ref</c>; every other frame
/// the server sends is kept in <see cref="Pushes"/>.
/// </summary>
public sealed class PhoenixTestClient : IAsyncDisposable
{
    /// <summary>How long a request waits for its reply before failing the test.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<PhoenixReply>> _pending = new();
    private readonly ConcurrentDictionary<string, string> _joinRefs = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _receiveLoop;
    private long _lastRef;

    private PhoenixTestClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receiveLoop = ReceiveLoopAsync(_stop.Token);
    }

    /// <summary>Frames the server sent that were not replies to a request (<c>phx_close</c>, pushes, broadcasts).</summary>
    public ConcurrentQueue<JsonElement> Pushes { get; } = new();

    /// <summary>
    /// Completes when the connection has ended: with the status of the server's close frame, or
    /// <see langword="null"/> when it ended without one (aborted, dropped, disposed).
    /// </summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    /// <summary>
    /// Connects to <c>/socket/websocket?vsn=2.0.0</c> of an <c>http://</c> (or <c>https://</c>) endpoint, as the
    /// phoenix JavaScript client does for <c>new Socket("ws://host:port/socket")</c>.
    /// </summary>
    public static async Task<PhoenixTestClient> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(endpoint)
        {
            Scheme = endpoint.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Path = "/socket/websocket",
            Query = "vsn=2.0.0",
        }.Uri;

        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new PhoenixTestClient(socket);
    }

    /// <summary>Joins <paramref name="topic"/>; the join's ref becomes the channel's join_ref.</summary>
    public async Task<PhoenixReply> JoinAsync(string topic, CancellationToken cancellationToken)
    {
        var joinRef = NextRef();
        var reply = await RequestAsync(joinRef, joinRef, topic, "phx_join", cancellationToken);
        if (reply.IsOk)
        {
            _joinRefs[topic] = joinRef;
        }

        return reply;
    }

    /// <summary>Leaves a joined <paramref name="topic"/>.</summary>
    public async Task<PhoenixReply> LeaveAsync(string topic, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync(JoinRefOf(topic), NextRef(), topic, "phx_leave", cancellationToken);
        if (reply.IsOk)
        {
            _joinRefs.TryRemove(topic, out _);
        }

        return reply;
    }

    /// <summary>Pushes <paramref name="evt"/> with an empty payload on a joined <paramref name="topic"/>.</summary>
    public Task<PhoenixReply> PushAsync(string topic, string evt, CancellationToken cancellationToken) =>
        RequestAsync(JoinRefOf(topic), NextRef(), topic, evt, cancellationToken);

    /// <summary>Sends the socket-level heartbeat the phoenix client sends every 30 seconds.</summary>
    public Task<PhoenixReply> HeartbeatAsync(CancellationToken cancellationToken) =>
        RequestAsync(null, NextRef(), "phoenix", "heartbeat", cancellationToken);

    /// <summary>Closes with a normal close handshake and waits until the server has closed too.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }

        // The receive loop sees the server's close frame and ends.
        await _receiveLoop.WaitAsync(cancellationToken);
    }

    /// <summary>Drops the connection without a close handshake, as a crashed client or a lost network would.</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await CloseAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException)
            {
                // Disposal must not fail a test that already has its result; abort below.
            }
        }

        _socket.Abort();
        await _stop.CancelAsync();
        await _receiveLoop;
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    private string NextRef() => Interlocked.Increment(ref _lastRef).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string JoinRefOf(string topic) => _joinRefs.TryGetValue(topic, out var joinRef)
        ? joinRef
        : throw new InvalidOperationException($"The topic '{topic}' has not been joined on this socket.");

    private async Task<PhoenixReply> RequestAsync(string? joinRef, string @ref, string topic, string evt, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<PhoenixReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[@ref] = reply;
        try
        {
            await SendFrameAsync(joinRef, @ref, topic, evt, cancellationToken);
            return await reply.Task.WaitAsync(ReplyTimeout, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(@ref, out _);
        }
    }

    private async Task SendFrameAsync(string? joinRef, string @ref, string topic, string evt, CancellationToken cancellationToken)
    {
        var frame = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(frame))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(joinRef);
            writer.WriteStringValue(@ref);
            writer.WriteStringValue(topic);
            writer.WriteStringValue(evt);
            writer.WriteStartObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(frame.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(message.GetMemory(4096), cancellationToken);
                    message.Advance(result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(_socket.CloseStatus);
                    await AnswerServerCloseAsync();
                    return;
                }

                Dispatch(message.WrittenMemory);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Aborted or disposed: the pending requests fail below.
        }
        finally
        {
            _closed.TrySetResult(null);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new WebSocketException("The socket closed before the reply came."));
            }
        }
    }

    /// <summary>Completes a close handshake the server started, as a browser does, so the server need not wait for it.</summary>
    private async Task AnswerServerCloseAsync()
    {
        await _sendLock.WaitAsync();
        try
        {
            if (_socket.State == WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The server gave up on the handshake first; the connection is over either way.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        var frame = document.RootElement;
        var @ref = frame[1].ValueKind == JsonValueKind.String ? frame[1].GetString() : null;

        if (frame[3].GetString() == "phx_reply" && @ref is not null && _pending.TryGetValue(@ref, out var reply))
        {
            var payload = frame[4];
            reply.TrySetResult(new PhoenixReply(payload.GetProperty("status").GetString()!, payload.GetProperty("response").Clone()));
            return;
        }

        Pushes.Enqueue(frame.Clone());
    }
}
