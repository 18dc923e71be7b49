using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// One client socket speaking Phoenix Channels v2. Its receive loop is the only place that changes the
/// socket's memberships, and its <c>finally</c> is the only place that ends them on close, abort or idle
/// timeout, so every membership is counted down exactly once.
/// </summary>
public sealed class PhoenixSession
{
    private const int InitialBufferBytes = 4096;

    /// <summary>A thread's frame scratch buffer is dropped rather than kept once a frame grew it past this.</summary>
    private const int MaxKeptScratchBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private readonly SessionDependencies _deps;
    private readonly SocketNodeOptions _options;
    private readonly string? _socketToken;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private WebSocket _socket = null!;
    private SessionMemberships _memberships;
    private JoinRateBucket _joinRate;
    private bool _socketTokenChecked;
    private TokenAccess? _socketTokenAccess;
    private SocketReadAccess? _access;
    private long _lastActivity = Environment.TickCount64;
    private int _idleClosing;

    /// <param name="deps">Node-wide services.</param>
    /// <param name="socketToken">The client's <c>authToken</c>, if it sent one in the sub-protocol header.</param>
    public PhoenixSession(SessionDependencies deps, string? socketToken)
    {
        _deps = deps;
        _options = deps.Options;
        _socketToken = socketToken;
    }

    /// <summary>What this socket may see in the stats views: the valid tokens it showed; null when it showed none.</summary>
    public SocketReadAccess? ReadAccess => Volatile.Read(ref _access);

    /// <summary>Milliseconds (of <see cref="Environment.TickCount64"/>) when the client last sent a message.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Tears the connection down at once; the receive loop then ends the memberships.</summary>
    public void Abort() => _socket?.Abort();

    /// <summary>
    /// Ends a socket silent past the idle timeout: a close frame (1001, "idle timeout", so the phoenix client
    /// reconnects), then, if the peer does not finish the handshake within <paramref name="grace"/> (a dead peer
    /// never does), an abort. Later calls while one is under way do nothing.
    /// </summary>
    public async Task CloseIdleAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _idleClosing, 1) == 1)
        {
            return;
        }

        using (var sendTimeout = new CancellationTokenSource(grace))
        {
            await CloseAsync(WebSocketCloseStatus.EndpointUnavailable, ReplyReasons.IdleTimeout, sendTimeout.Token);
        }

        await Task.Delay(grace);
        Abort();
    }

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

    /// <summary>
    /// Accepts the upgrade (whose socket slot <see cref="UpgradeGate"/> reserved) and runs the socket until it
    /// closes, fails or is aborted; then ends every membership it held and releases the slot, once each.
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
        var tracked = false;
        try
        {
            _socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol });
            _deps.Sessions.Add(this);
            tracked = true;
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
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            _deps.Logger.LogDebug("Socket ended without a close handshake: {Reason}", ex.Message);
        }
        finally
        {
            while (_memberships.TryTakeAny(out var topic, out var membership))
            {
                EndMembership(topic, membership);
            }

            if (tracked)
            {
                _deps.Sessions.Remove(this);
            }

            _socket?.Dispose();
            _deps.Registry.SocketClosed();
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
                var scratch = Scratch();
                PhoenixFrameWriter.WritePush(scratch, null, PhoenixEvents.SocketTopic, PhoenixEvents.Error, p =>
                {
                    p.WriteStartObject();
                    p.WriteString("reason"u8, error);
                    p.WriteEndObject();
                });
                await SendScratchAsync(scratch, cancellationToken);
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
                if (!_memberships.Contains(frame.Topic))
                {
                    await SendReplyErrorAsync(frame, ReplyReasons.UnmatchedTopic, cancellationToken);
                    break;
                }

                var reply = await _deps.Events.HandleAsync(frame.Event, _access, cancellationToken);
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
        var rejoin = _memberships.TryGet(frame.Topic, out var old);
        var request = new JoinRequest(frame.JoinRef, frame.Topic, rejoin, _memberships.Count);
        var refusal = _deps.Admission.CheckRequest(request, ref _joinRate, Environment.TickCount64);
        JoinGrant grant = default;
        if (refusal is null)
        {
            var token = await JoinTokenAsync(ReadToken(frame.Payload));
            var authorized = _deps.Authorizer.Authorize(frame.Topic, token);
            var watchAllowed = !PresenceHub.IsPresenceTopic(frame.Topic) || _deps.Visibility.MayWatch(frame.Topic, _access);
            refusal = JoinAdmission.CheckAccess(authorized, watchAllowed);
            grant = authorized.GetValueOrDefault();
        }

        if (refusal is null && rejoin)
        {
            // A rejoin replaces the old channel without counting twice: close the old join ref, keep the
            // membership (and the tenant it was admitted for).
            _memberships.Replace(frame.Topic, old with { JoinRef = frame.JoinRef! });
            if (PresenceHub.IsPresenceTopic(frame.Topic))
            {
                _deps.Presence.Subscribe(frame.Topic, this, frame.JoinRef!);
            }

            await SendCloseAsync(old.JoinRef, frame.Topic, cancellationToken);
            await SendOkAsync(frame, null, cancellationToken);
            return;
        }

        var watching = PresenceHub.IsPresenceTopic(frame.Topic);
        if (!watching)
        {
            refusal ??= _deps.Limits.TryAdmit(frame.Topic, grant);
        }

        if (refusal is not null)
        {
            _deps.Metrics.Refused(refusal);
            await SendReplyErrorAsync(frame, refusal, cancellationToken);
            return;
        }

        if (watching)
        {
            // A watcher is counted apart: watching must not change what is watched (no topic, usage or limit).
            _memberships.Add(frame.Topic, new Membership(frame.JoinRef!, grant, 0, _deps.Watchers.Join(frame.Topic)));
            await SendOkAsync(frame, null, cancellationToken);
            // After the reply: the client drops pushes for a channel whose join it has not seen accepted.
            _deps.Presence.Subscribe(frame.Topic, this, frame.JoinRef!);
            return;
        }

        var joinedAt = _deps.Usage.NowMs();
        _memberships.Add(frame.Topic, new Membership(frame.JoinRef!, grant, joinedAt, _deps.Registry.Join(frame.Topic)));
        _deps.Usage.Joined(frame.Topic, grant.Tenant, joinedAt);
        _deps.Metrics.Joined(frame.Topic);
        _deps.JoinRates.RecordJoin(frame.Topic);
        await SendOkAsync(frame, null, cancellationToken);
    }

    private async Task LeaveAsync(PhoenixFrame frame, CancellationToken cancellationToken)
    {
        if (!_memberships.Remove(frame.Topic, out var membership))
        {
            await SendReplyErrorAsync(frame, ReplyReasons.UnmatchedTopic, cancellationToken);
            return;
        }

        EndMembership(frame.Topic, membership);
        await SendOkAsync(frame, null, cancellationToken);
        await SendCloseAsync(membership.JoinRef, frame.Topic, cancellationToken);
    }

    /// <summary>The one place a membership is counted down: leave, and the end of the socket.</summary>
    private void EndMembership(string topic, Membership membership)
    {
        if (PresenceHub.IsPresenceTopic(topic))
        {
            _deps.Presence.Unsubscribe(topic, this);
            _deps.Watchers.Leave(membership.Counted);
            return;
        }

        _deps.Registry.Leave(membership.Counted);
        _deps.Limits.Release(topic, membership.Grant);
        _deps.Usage.Left(topic, membership.Grant.Tenant, membership.JoinedAtMs, _deps.Usage.NowMs());
        _deps.Metrics.Left(topic);
    }

    /// <summary>
    /// The access of the token a join presents: its own <c>token</c> param, else the socket's <c>authToken</c>
    /// (checked once, on the first join). A valid token is remembered for what the socket may see.
    /// </summary>
    private async ValueTask<TokenAccess?> JoinTokenAsync(string? joinToken)
    {
        if (!_socketTokenChecked)
        {
            _socketTokenChecked = true;
            _socketTokenAccess = await ValidateAndRememberAsync(_socketToken);
        }

        var token = joinToken is null ? _socketTokenAccess : await ValidateAndRememberAsync(joinToken);
        return token?.IsValidAt(DateTime.UtcNow) == true ? token : null;
    }

    private async ValueTask<TokenAccess?> ValidateAndRememberAsync(string? token)
    {
        var access = await _deps.Authorizer.ValidateAsync(token);
        if (access is not null)
        {
            if (_access is null)
            {
                Volatile.Write(ref _access, new SocketReadAccess());
            }

            _access!.Add(access);
        }

        return access;
    }

    /// <summary>The join payload's <c>token</c> string, if any.</summary>
    private static string? ReadToken(ReadOnlyMemory<byte> payload)
    {
        var reader = new Utf8JsonReader(payload.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isToken = reader.ValueTextEquals("token"u8);
            reader.Read();
            if (isToken && reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }

            reader.Skip();
        }

        return null;
    }

    private Task SendOkAsync(PhoenixFrame frame, Action<Utf8JsonWriter>? response, CancellationToken cancellationToken)
    {
        var scratch = Scratch();
        PhoenixFrameWriter.WriteReply(scratch, frame.JoinRef, frame.Ref, frame.Topic, "ok", response);
        return SendScratchAsync(scratch, cancellationToken);
    }

    private Task SendReplyErrorAsync(PhoenixFrame frame, string reason, CancellationToken cancellationToken)
    {
        var scratch = Scratch();
        PhoenixFrameWriter.WriteErrorReply(scratch, frame.JoinRef, frame.Ref, frame.Topic, reason);
        return SendScratchAsync(scratch, cancellationToken);
    }

    /// <summary>Sends <c>phx_close</c> for a channel that ended (leave) or was replaced (rejoin).</summary>
    private Task SendCloseAsync(string joinRef, string topic, CancellationToken cancellationToken)
    {
        var scratch = Scratch();
        PhoenixFrameWriter.WritePush(scratch, joinRef, topic, PhoenixEvents.Close, null);
        return SendScratchAsync(scratch, cancellationToken);
    }

    /// <summary>Sends one text frame written by <paramref name="write"/>; sends from other threads (server pushes) are serialised.</summary>
    public Task SendAsync(Action<IBufferWriter<byte>> write, CancellationToken cancellationToken)
    {
        var scratch = Scratch();
        write(scratch);
        return SendScratchAsync(scratch, cancellationToken);
    }

    /// <summary>This thread's frame buffer, emptied. Frames are written into it synchronously, then copied out to send.</summary>
    private static ArrayBufferWriter<byte> Scratch()
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(512);
        scratch.ResetWrittenCount();
        return scratch;
    }

    /// <summary>Copies the frame in <paramref name="scratch"/> into a pooled buffer (the send may finish on another thread) and sends it.</summary>
    private Task SendScratchAsync(ArrayBufferWriter<byte> scratch, CancellationToken cancellationToken)
    {
        var length = scratch.WrittenCount;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        scratch.WrittenSpan.CopyTo(buffer);
        if (scratch.Capacity > MaxKeptScratchBytes)
        {
            t_scratch = null;
        }

        return SendPooledAsync(buffer, length, cancellationToken);
    }

    private async Task SendPooledAsync(byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            await _sendLock.WaitAsync(cancellationToken);
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    await _socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private readonly record struct ReceivedMessage(byte[] Buffer, int Length, WebSocketMessageType Type);

}
