using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConnCount.TestSupport;

/// <summary>
/// A small Phoenix Channels v2 (JSON) client over a real <see cref="ClientWebSocket"/>, for tests: join,
/// leave, push and heartbeat each await their <c>phx_reply</c>, matched by <c>ref</c>; every other frame
/// the server sends is kept in <see cref="Pushes"/>. Sends are serialised, so one client may be used from
/// several tasks at once.
/// </summary>
public sealed class PhoenixTestClient : IAsyncDisposable
{
    /// <summary>How long a request waits for its reply before failing the test.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan DisposeCloseTimeout = TimeSpan.FromSeconds(5);

    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<PhoenixReply>> _pending = new();
    private readonly ConcurrentDictionary<string, string> _joinRefs = new();
    private readonly ConcurrentQueue<JsonElement> _pushes = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _receiveLoop;
    private long _lastRef;
    private int _disposed;

    private PhoenixTestClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receiveLoop = ReceiveLoopAsync();
    }

    /// <summary>Frames the server sent that were not replies to a request (<c>phx_close</c>, <c>phx_error</c>, pushes).</summary>
    public IReadOnlyCollection<JsonElement> Pushes => _pushes;

    /// <summary>
    /// Completes when the connection has ended: with the status of the server's close frame, or
    /// <see langword="null"/> when it ended without one (aborted, dropped, disposed).
    /// </summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    public WebSocketState State => _socket.State;

    /// <summary>The reason of the server's close frame, once <see cref="Closed"/> has completed with one.</summary>
    public string? CloseReason => _socket.CloseStatusDescription;

    /// <summary>The sub-protocol the server accepted.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>The <c>ws://</c> (or <c>wss://</c>) form of an <c>http://</c> (or <c>https://</c>) address.</summary>
    public static Uri WebSocketUri(Uri httpUri) =>
        new UriBuilder(httpUri) { Scheme = httpUri.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;

    /// <summary>
    /// Connects to <c>/socket/websocket?vsn=2.0.0</c> of <paramref name="endpoint"/> (<c>http</c> or <c>ws</c>), as
    /// the phoenix JavaScript client does for <c>new Socket("ws://host:port/socket")</c>; a refused upgrade throws.
    /// </summary>
    public static async Task<PhoenixTestClient> ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        var (client, status) = await TryConnectAsync(endpoint, cancellationToken: cancellationToken);
        return client ?? throw new WebSocketException($"Upgrade refused with HTTP {(int?)status}");
    }

    /// <summary>
    /// Connects, optionally from a chosen loopback source address and with extra options (headers,
    /// sub-protocols); returns the client, or null with the HTTP status the upgrade was refused with.
    /// </summary>
    public static async Task<(PhoenixTestClient? Client, HttpStatusCode? Status)> TryConnectAsync(
        Uri endpoint,
        IPAddress? source = null,
        Action<ClientWebSocketOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        var uri = new Uri(endpoint.Scheme is "http" or "https" ? WebSocketUri(endpoint) : endpoint, "/socket/websocket?vsn=2.0.0");
        using var handler = new SocketsHttpHandler { ConnectCallback = (context, ct) => ConnectFromAsync(source, context.DnsEndPoint, ct) };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        try
        {
            await socket.ConnectAsync(uri, invoker, cancellationToken);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return (new PhoenixTestClient(socket), socket.HttpStatusCode);
    }

    /// <summary>
    /// Tries <paramref name="count"/> connections one after another: the ones accepted are added to
    /// <paramref name="opened"/> (the caller disposes them), the refusals' HTTP statuses are returned.
    /// </summary>
    public static async Task<List<HttpStatusCode?>> ConnectManyAsync(
        int count, Func<int, Task<(PhoenixTestClient? Client, HttpStatusCode? Status)>> connect, List<PhoenixTestClient> opened)
    {
        var refusals = new List<HttpStatusCode?>();
        for (var i = 0; i < count; i++)
        {
            var (client, status) = await connect(i);
            if (client is null)
            {
                refusals.Add(status);
            }
            else
            {
                opened.Add(client);
            }
        }

        return refusals;
    }

    /// <summary>Joins <paramref name="topic"/> with an empty payload; the join's ref becomes the channel's join_ref.</summary>
    public Task<PhoenixReply> JoinAsync(string topic, CancellationToken cancellationToken = default) =>
        JoinAsync(topic, new { }, cancellationToken);

    /// <summary>Joins <paramref name="topic"/> with <paramref name="payload"/> (a join token, say).</summary>
    public async Task<PhoenixReply> JoinAsync(string topic, object payload, CancellationToken cancellationToken = default)
    {
        var joinRef = NextRef();
        var reply = await RequestAsync(joinRef, joinRef, topic, "phx_join", payload, cancellationToken);
        if (reply.IsOk)
        {
            _joinRefs[topic] = joinRef;
        }

        return reply;
    }

    /// <summary>Leaves <paramref name="topic"/>.</summary>
    public async Task<PhoenixReply> LeaveAsync(string topic, CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(JoinRefOf(topic), NextRef(), topic, "phx_leave", new { }, cancellationToken);
        if (reply.IsOk)
        {
            _joinRefs.TryRemove(topic, out _);
        }

        return reply;
    }

    /// <summary>Pushes <paramref name="evt"/> with an empty payload on <paramref name="topic"/> and waits for its reply.</summary>
    public Task<PhoenixReply> PushAsync(string topic, string evt, CancellationToken cancellationToken = default) =>
        RequestAsync(JoinRefOf(topic), NextRef(), topic, evt, new { }, cancellationToken);

    /// <summary>Pushes <paramref name="evt"/> with <paramref name="payload"/> on <paramref name="topic"/> and waits for its reply.</summary>
    public Task<PhoenixReply> PushAsync(string topic, string evt, object payload, CancellationToken cancellationToken = default) =>
        RequestAsync(JoinRefOf(topic), NextRef(), topic, evt, payload, cancellationToken);

    /// <summary>Sends the socket-level heartbeat the phoenix client sends every 30 seconds.</summary>
    public Task<PhoenixReply> HeartbeatAsync(CancellationToken cancellationToken = default) =>
        RequestAsync(null, NextRef(), "phoenix", "heartbeat", new { }, cancellationToken);

    /// <summary>Sends a raw text frame and, when it carries <paramref name="awaitRef"/>, waits for the reply to it.</summary>
    public async Task<PhoenixReply?> SendRawAsync(string text, string? awaitRef = null)
    {
        if (awaitRef is null)
        {
            await SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, CancellationToken.None);
            return null;
        }

        return await RequestAsync(awaitRef, () => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, CancellationToken.None), CancellationToken.None);
    }

    /// <summary>Sends <paramref name="bytes"/> as one message of <paramref name="type"/>, valid or not.</summary>
    public Task SendBytesAsync(byte[] bytes, WebSocketMessageType type) => SendAsync(bytes, type, CancellationToken.None);

    /// <summary>Drops the connection without a close handshake, as a crashed client or a lost network would.</summary>
    public void Abort() => _socket.Abort();

    /// <summary>Closes with a normal close handshake and waits until the server has closed too; after disposal, does nothing.</summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _disposed) == 1 ? Task.CompletedTask : CloseCoreAsync(cancellationToken);

    /// <summary>Closes (briefly) and releases the socket; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(DisposeCloseTimeout);
            try
            {
                await CloseCoreAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Disposal must not fail a test that already has its result; abort below.
            }
        }

        _socket.Abort();
        await _receiveLoop;
        _socket.Dispose();
        _sendLock.Dispose();
    }

    private async Task CloseCoreAsync(CancellationToken cancellationToken)
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

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress? source, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(endpoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private string NextRef() => Interlocked.Increment(ref _lastRef).ToString(CultureInfo.InvariantCulture);

    /// <summary>The ref of the topic's current join, or null for a topic this client has not joined.</summary>
    public string? JoinRefOf(string topic) => _joinRefs.TryGetValue(topic, out var joinRef) ? joinRef : null;

    private Task<PhoenixReply> RequestAsync(string? joinRef, string @ref, string topic, string evt, object payload, CancellationToken cancellationToken)
    {
        var frame = new JsonArray(joinRef, @ref, topic, evt, JsonSerializer.SerializeToNode(payload));
        var utf8 = Encoding.UTF8.GetBytes(frame.ToJsonString());
        return RequestAsync(@ref, () => SendAsync(utf8, WebSocketMessageType.Text, cancellationToken), cancellationToken);
    }

    private async Task<PhoenixReply> RequestAsync(string @ref, Func<Task> send, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<PhoenixReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[@ref] = reply;
        try
        {
            await send();
            return await reply.Task.WaitAsync(ReplyTimeout, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(@ref, out _);
        }
    }

    private async Task SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(message, type, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // Grows to the largest frame the server sends.
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(message.GetMemory(4096), CancellationToken.None);
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
            _closed.TrySetResult(_socket.CloseStatus);
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
        if (frame[3].GetString() == "phx_reply" && @ref is not null)
        {
            // A reply nobody waits for any more (its request timed out) is dropped, not taken for a push.
            if (_pending.TryGetValue(@ref, out var reply))
            {
                var payload = frame[4];
                var response = payload.TryGetProperty("response", out var r) ? r.Clone() : default;
                reply.TrySetResult(new PhoenixReply(payload.GetProperty("status").GetString()!, response));
            }

            return;
        }

        _pushes.Enqueue(frame.Clone());
    }
}
