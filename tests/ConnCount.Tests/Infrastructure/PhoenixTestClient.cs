using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConnCount.Tests.Infrastructure;

/// <summary>A minimal Phoenix Channels v2 client over a real <see cref="ClientWebSocket"/>, for tests.</summary>
public sealed class PhoenixTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<JsonElement> _pushes = new();
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ref;
    private Task? _receiving;

    /// <summary>Frames the server sent that were not replies (phx_close, phx_error, pushes).</summary>
    public IReadOnlyCollection<JsonElement> Pushes => _pushes;

    /// <summary>Completes when the server closes the socket, with its close status.</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    public WebSocketState State => _socket.State;

    public static async Task<PhoenixTestClient> ConnectAsync(Uri baseUri, CancellationToken cancellationToken = default)
    {
        var (client, status) = await TryConnectAsync(baseUri, cancellationToken: cancellationToken);
        return client ?? throw new WebSocketException($"Upgrade refused with HTTP {(int?)status}");
    }

    /// <summary>
    /// Connects, optionally from a chosen loopback source address and with extra options (headers,
    /// sub-protocols); returns the client, or null with the HTTP status the upgrade was refused with.
    /// </summary>
    public static async Task<(PhoenixTestClient? Client, System.Net.HttpStatusCode? Status)> TryConnectAsync(
        Uri baseUri,
        System.Net.IPAddress? source = null,
        Action<ClientWebSocketOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var client = new PhoenixTestClient();
        client._socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(client._socket.Options);
        var uri = new Uri(baseUri, "/socket/websocket?vsn=2.0.0");
        using var handler = new System.Net.Http.SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    if (source is not null)
                    {
                        socket.Bind(new System.Net.IPEndPoint(source, 0));
                    }

                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        try
        {
            await client._socket.ConnectAsync(uri, invoker, cancellationToken);
        }
        catch (WebSocketException)
        {
            var status = client._socket.HttpStatusCode;
            client._socket.Dispose();
            return (null, status);
        }

        client._receiving = client.ReceiveLoopAsync();
        return (client, client._socket.HttpStatusCode);
    }

    /// <summary>The sub-protocol the server accepted.</summary>
    /// <summary>
    /// Tries <paramref name="count"/> connections one after another: the ones accepted are added to
    /// <paramref name="opened"/> (the caller disposes them), the refusals' HTTP statuses are returned.
    /// </summary>
    public static async Task<List<System.Net.HttpStatusCode?>> ConnectManyAsync(
        int count, Func<int, Task<(PhoenixTestClient? Client, System.Net.HttpStatusCode? Status)>> connect, List<PhoenixTestClient> opened)
    {
        var refusals = new List<System.Net.HttpStatusCode?>();
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

    public string? SubProtocol => _socket.SubProtocol;

    public static Uri WebSocketUri(Uri httpUri) => new UriBuilder(httpUri) { Scheme = httpUri.Scheme == "https" ? "wss" : "ws" }.Uri;

    /// <summary>Joins a topic; returns the reply payload (<c>{"status":..,"response":..}</c>).</summary>
    public Task<JsonElement> JoinAsync(string topic, object? payload = null)
    {
        var joinRef = NextRef();
        return SendAsync(joinRef, joinRef, topic, "phx_join", payload);
    }

    public Task<JsonElement> LeaveAsync(string topic) => PushAsync(topic, "phx_leave");

    public Task<JsonElement> HeartbeatAsync() => SendAsync(null, NextRef(), "phoenix", "heartbeat", null);

    /// <summary>Pushes an event on a topic and waits for its reply.</summary>
    public Task<JsonElement> PushAsync(string topic, string evt, object? payload = null) => SendAsync(null, NextRef(), topic, evt, payload);

    /// <summary>Sends a raw text frame and, when it carries <paramref name="awaitRef"/>, waits for the reply to it.</summary>
    public async Task<JsonElement?> SendRawAsync(string text, string? awaitRef = null)
    {
        TaskCompletionSource<JsonElement>? pending = null;
        if (awaitRef is not null)
        {
            pending = _pending.GetOrAdd(awaitRef, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        return pending is null ? null : await pending.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public Task SendBytesAsync(byte[] bytes, WebSocketMessageType type) =>
        _socket.SendAsync(bytes, type, true, CancellationToken.None);

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Abort() => _socket.Abort();

    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Abort();
        _socket.Dispose();
        if (_receiving is not null)
        {
            await _receiving;
        }
    }

    private string NextRef() => Interlocked.Increment(ref _ref).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<JsonElement> SendAsync(string? joinRef, string msgRef, string topic, string evt, object? payload)
    {
        var frame = new JsonArray(joinRef, msgRef, topic, evt, JsonSerializer.SerializeToNode(payload ?? new { }));
        var reply = await SendRawAsync(frame.ToJsonString(), msgRef);
        return reply!.Value;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(_socket.CloseStatus);
                    return;
                }

                using var doc = JsonDocument.Parse(buffer.AsMemory(0, count));
                var root = doc.RootElement.Clone();
                var msgRef = root[1].ValueKind == JsonValueKind.String ? root[1].GetString() : null;
                if (root[3].GetString() == "phx_reply" && msgRef is not null)
                {
                    _pending.GetOrAdd(msgRef, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously))
                        .TrySetResult(root[4]);
                }
                else
                {
                    _pushes.Enqueue(root);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _closed.TrySetResult(_socket.CloseStatus);
        }
        finally
        {
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new WebSocketException("socket closed before the reply"));
            }
        }
    }
}
