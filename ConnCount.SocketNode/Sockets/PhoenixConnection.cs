using System.Buffers;
using System.Net.WebSockets;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// One client socket as the protocol sees it: the state Phoenix Channels keeps per socket (its memberships, its join
/// rate, the tokens it showed) and a way to send it frames and close it. <see cref="PhoenixSession"/> is the WebSocket
/// one; <see cref="PhoenixProtocol"/> handles its frames, so the protocol runs, and is tested, without a WebSocket.
/// </summary>
public abstract class PhoenixConnection
{
    /// <summary>A thread's frame scratch buffer is dropped rather than kept once a frame grew it past this.</summary>
    private const int MaxKeptScratchBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private SocketReadAccess? _access;
    private long _lastActivity = Environment.TickCount64;
    private int _idleClosing;

    /// <param name="socketToken">The client's <c>authToken</c>, if it sent one when connecting.</param>
    protected PhoenixConnection(string? socketToken) => SocketToken = socketToken;

    /// <summary>This connection's links in the node's <see cref="OpenConnectionList"/>, guarded by that list's locks.</summary>
    internal PhoenixConnection? ListPrev, ListNext;

    internal bool Listed;

    /// <summary>The channels this socket has joined; only its receive loop touches them.</summary>
    internal SessionMemberships Memberships;

    /// <summary>The socket's join-rate bucket.</summary>
    internal JoinRateBucket JoinRate;

    /// <summary>What the socket's own messages need (its id, its rate); made when it first pushes one.</summary>
    internal Messaging.SenderState? Sender;

    /// <summary>The socket's <c>authToken</c>, checked once, on the first join.</summary>
    internal string? SocketToken { get; }

    internal bool SocketTokenChecked;

    internal TokenAccess? SocketTokenAccess;

    /// <summary>What this socket may see in the stats views: the valid tokens it showed; null when it showed none.</summary>
    public SocketReadAccess? ReadAccess => Volatile.Read(ref _access);

    /// <summary>Milliseconds (of <see cref="Environment.TickCount64"/>) when the client last sent a message.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Whether a valid token this socket showed (its <c>authToken</c> or a join's) named <paramref name="user"/>; safe from any thread.</summary>
    public bool ShowedUser(string user) => ReadAccess?.ShowedUser(user) == true;

    /// <summary>Whether this socket holds a membership of <paramref name="topic"/> (a <c>stats:*</c> watch included); safe from any thread.</summary>
    public bool Holds(string topic) => Memberships.HoldsFromAnyThread(topic);

    /// <summary>Records that the client sent a message now.</summary>
    internal void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    /// <summary>Remembers a valid token the socket showed, for what it may see.</summary>
    internal void Remember(TokenAccess access)
    {
        if (_access is null)
        {
            Volatile.Write(ref _access, new SocketReadAccess());
        }

        _access!.Add(access);
    }

    /// <summary>Sends one text frame. The bytes are copied before this returns; sends from several threads go out one after another.</summary>
    public abstract Task SendAsync(ReadOnlySpan<byte> frame, CancellationToken cancellationToken);

    /// <summary>Starts a close handshake (for example 1001 when the node stops); a socket that cannot take it is aborted.</summary>
    public abstract Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken);

    /// <summary>Tears the connection down at once; its memberships then end.</summary>
    public abstract void Abort();

    /// <summary>Sends a frame made for many sockets without waiting for it; a socket that is closing drops it.</summary>
    internal void Post(byte[] frame) => _ = PostAsync(frame);

    private async Task PostAsync(byte[] frame)
    {
        try
        {
            await SendAsync(frame, CancellationToken.None);
        }
        catch (Exception)
        {
            // The socket is closing; its memberships end on the way.
        }
    }

    /// <summary>Sends one text frame written by <paramref name="write"/>.</summary>
    public Task SendAsync(Action<IBufferWriter<byte>> write, CancellationToken cancellationToken)
    {
        var scratch = Scratch();
        write(scratch);
        return SendAsync(scratch, cancellationToken);
    }

    /// <summary>Sends the frame written into <paramref name="scratch"/> (from <see cref="Scratch"/>).</summary>
    internal Task SendAsync(ArrayBufferWriter<byte> scratch, CancellationToken cancellationToken)
    {
        var sent = SendAsync(scratch.WrittenSpan, cancellationToken);
        if (scratch.Capacity > MaxKeptScratchBytes)
        {
            t_scratch = null;
        }

        return sent;
    }

    /// <summary>This thread's frame buffer, emptied. Frames are written into it synchronously, then copied out to send.</summary>
    internal static ArrayBufferWriter<byte> Scratch()
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(512);
        scratch.ResetWrittenCount();
        return scratch;
    }

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
}
