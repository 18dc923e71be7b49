using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using ConnCount.LoadGen.Transport;

namespace ConnCount.LoadGen.Phoenix;

/// <summary>
/// One client socket speaking Phoenix v2: joins, leaves, heartbeats, close and abort. A single receive loop
/// applies replies in the server's order and moves the run's ledger; callers only await outcomes.
/// With no frames asked of it, it is just a held WebSocket (the baseline server case).
/// </summary>
/// <remarks>
/// Kept small because one process holds ~19,500 of these: a 256-byte receive buffer, lists allocated only
/// once something is pending or joined, no timer of its own (see <see cref="HeartbeatScheduler"/>).
/// </remarks>
internal sealed class PhoenixConnection
{
    private const int ReceiveBufferBytes = 256;

    private static readonly byte[] JoinEvent = "phx_join"u8.ToArray();
    private static readonly byte[] LeaveEvent = "phx_leave"u8.ToArray();
    private static readonly byte[] MessageEvent = "bench_message"u8.ToArray();
    private static readonly byte[] HeartbeatEvent = "heartbeat"u8.ToArray();

    private readonly RunContext _run;
    private readonly WebSocket _webSocket;
    private readonly Socket? _tcp;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Lock _stateGate = new();
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferBytes];
    private List<PendingReply>? _pending;
    private List<Membership>? _memberships;
    private long _lastRef;
    private int _terminated;
    private long _nextHeartbeat;
    private Task _receiveLoop = Task.CompletedTask;

    public PhoenixConnection(long id, OpenedSocket opened, RunContext run)
    {
        Id = id;
        _webSocket = opened.WebSocket;
        _tcp = opened.Tcp;
        _run = run;
    }

    public long Id { get; }

    public bool IsAlive => Volatile.Read(ref _terminated) == 0;

    public int JoinedCount
    {
        get
        {
            lock (_stateGate)
            {
                return _memberships?.Count ?? 0;
            }
        }
    }

    /// <summary>Starts the receive loop; the connection counts as open from here.</summary>
    public void Start()
    {
        _nextHeartbeat = Stopwatch.GetTimestamp() + (long)(_run.Options.HeartbeatInterval.TotalSeconds * Stopwatch.Frequency);
        _receiveLoop = ReceiveLoopAsync();
    }

    public bool IsJoined(int topic)
    {
        lock (_stateGate)
        {
            return FindMembershipLocked(topic) >= 0;
        }
    }

    public bool TryPickJoinedTopic(Random random, out int topic)
    {
        lock (_stateGate)
        {
            if (_memberships is not { Count: > 0 } memberships)
            {
                topic = -1;
                return false;
            }

            topic = memberships[random.Next(memberships.Count)].Topic;
            return true;
        }
    }

    /// <summary>Joins a topic. Joining one already joined is a rejoin: the server replaces the membership.</summary>
    public async Task<ReplyOutcome> JoinAsync(int topic, CancellationToken cancellationToken) =>
        (await JoinTimedAsync(topic, cancellationToken)).Outcome;

    /// <summary>Joins a topic; also gives when the join was sent and when its reply was read (0 without a reply).</summary>
    public async Task<TimedReply> JoinTimedAsync(int topic, CancellationToken cancellationToken)
    {
        var reference = NextRef();
        var pending = new PendingReply(reference, ReplyKind.Join, topic, reference, Stopwatch.GetTimestamp());
        bool rejoin;
        lock (_stateGate)
        {
            if (!IsAlive)
            {
                return new TimedReply(ReplyOutcome.Closed, pending.StartTimestamp, 0);
            }

            rejoin = FindMembershipLocked(topic) >= 0;
            AddPendingLocked(pending);
        }

        Interlocked.Increment(ref _run.Counters.JoinsSent);
        if (rejoin)
        {
            Interlocked.Increment(ref _run.Counters.Rejoins);
        }

        var outcome = await SendAndAwaitAsync(new OutgoingFrame(reference, reference, topic, JoinEvent), pending, cancellationToken);
        return new TimedReply(outcome, pending.StartTimestamp, pending.ReplyTimestamp);
    }

    /// <summary>Pushes an application message (payload <c>{}</c> unless given) on a joined topic and waits for its reply.</summary>
    public async Task<ReplyOutcome> PushMessageAsync(int topic, CancellationToken cancellationToken, byte[]? payload = null)
    {
        var reference = NextRef();
        long joinRef;
        PendingReply pending;
        lock (_stateGate)
        {
            var index = FindMembershipLocked(topic);
            if (!IsAlive || index < 0)
            {
                return ReplyOutcome.Closed;
            }

            joinRef = _memberships![index].JoinRef;
            pending = new PendingReply(reference, ReplyKind.Push, topic, joinRef, Stopwatch.GetTimestamp());
            AddPendingLocked(pending);
        }

        Interlocked.Increment(ref _run.Counters.MessagesSent);
        return await SendAndAwaitAsync(new OutgoingFrame(joinRef, reference, topic, MessageEvent, payload), pending, cancellationToken);
    }

    public async Task<ReplyOutcome> LeaveAsync(int topic, CancellationToken cancellationToken)
    {
        var reference = NextRef();
        PendingReply pending;
        lock (_stateGate)
        {
            var index = FindMembershipLocked(topic);
            if (!IsAlive || index < 0)
            {
                return IsAlive ? ReplyOutcome.NotJoined : ReplyOutcome.Closed;
            }

            pending = new PendingReply(reference, ReplyKind.Leave, topic, _memberships![index].JoinRef, Stopwatch.GetTimestamp());
            AddPendingLocked(pending);
        }

        Interlocked.Increment(ref _run.Counters.LeavesSent);
        return await SendAndAwaitAsync(new OutgoingFrame(pending.JoinRef, reference, topic, LeaveEvent), pending, cancellationToken);
    }

    /// <summary>
    /// Sends a join and its leave back to back, then waits for both replies. The two frames go out under one
    /// send lock, so pairs from parallel lanes never interleave and the server sees join, leave, join, leave.
    /// </summary>
    public async Task<ReplyOutcome> JoinLeavePairAsync(int topic, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var joinRef = NextRef();
        var leaveRef = NextRef();
        var join = new PendingReply(joinRef, ReplyKind.Join, topic, joinRef, start);
        var leave = new PendingReply(leaveRef, ReplyKind.Leave, topic, joinRef, start);
        lock (_stateGate)
        {
            if (!IsAlive)
            {
                return ReplyOutcome.Closed;
            }

            AddPendingLocked(join);
            AddPendingLocked(leave);
        }

        Interlocked.Increment(ref _run.Counters.JoinsSent);
        Interlocked.Increment(ref _run.Counters.LeavesSent);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_run.Options.Timeout);
        var outcome = await GuardAsync(
            async token =>
            {
                await SendAsync(new OutgoingFrame(joinRef, joinRef, topic, JoinEvent), new OutgoingFrame(joinRef, leaveRef, topic, LeaveEvent), token);
                var joined = await join.Task.WaitAsync(token);
                var left = await leave.Task.WaitAsync(token);
                return joined != ReplyOutcome.Ok ? joined : left;
            },
            timeout.Token,
            cancellationToken);

        if (outcome == ReplyOutcome.Ok)
        {
            _run.Latencies.Pair.RecordSince(start);
        }

        return outcome;
    }

    /// <summary>True once per interval; called only by the heartbeat scheduler.</summary>
    public bool TakeHeartbeatDue(long now, long intervalTicks)
    {
        if (now < _nextHeartbeat)
        {
            return false;
        }

        _nextHeartbeat = now + intervalTicks;
        return true;
    }

    public async Task SendHeartbeatAsync(CancellationToken cancellationToken)
    {
        if (!IsAlive)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_run.Options.Timeout);
        try
        {
            await SendAsync(new OutgoingFrame(0, NextRef(), -1, HeartbeatEvent), second: null, timeout.Token);
            Interlocked.Increment(ref _run.Counters.HeartbeatsSent);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(e))
        {
            Interlocked.Increment(ref _run.Counters.SendFailures);
            _run.Failures.Add("heartbeat", e);
        }
    }

    /// <summary>Closes with the WebSocket handshake (code 1000) and waits for the server's close frame.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (!Terminate(byServer: false))
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_run.Options.Timeout);
        try
        {
            await _sendGate.WaitAsync(timeout.Token);
            try
            {
                await _webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            finally
            {
                _sendGate.Release();
            }

            await _receiveLoop.WaitAsync(timeout.Token);
            Interlocked.Increment(ref _run.Counters.SocketsClosed);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            Interlocked.Increment(ref _run.Counters.CloseFailures);
            _run.Failures.Add("close", e);
            _webSocket.Abort();
        }
        finally
        {
            _webSocket.Dispose();
        }
    }

    /// <summary>Drops the connection without a close frame: a TCP reset where the connector owns the socket.</summary>
    public void Abort()
    {
        if (Terminate(byServer: false))
        {
            Interlocked.Increment(ref _run.Counters.SocketsAborted);
            Reset();
        }
    }

    private static bool IsTransportFailure(Exception e) =>
        e is OperationCanceledException or WebSocketException or IOException or SocketException or ObjectDisposedException;

    private long NextRef() => Interlocked.Increment(ref _lastRef);

    private async Task<ReplyOutcome> SendAndAwaitAsync(OutgoingFrame frame, PendingReply pending, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_run.Options.Timeout);
        return await GuardAsync(
            async token =>
            {
                await SendAsync(frame, second: null, token);
                return await pending.Task.WaitAsync(token);
            },
            timeout.Token,
            cancellationToken);
    }

    /// <summary>
    /// Maps failures to outcomes. A timeout tears the socket down: its state at the server is unknown, and
    /// dropping it brings the server and the ledger back to agreement. The run's own cancellation propagates.
    /// </summary>
    private async Task<ReplyOutcome> GuardAsync(Func<CancellationToken, Task<ReplyOutcome>> operation, CancellationToken timeoutToken, CancellationToken runToken)
    {
        try
        {
            return await operation(timeoutToken);
        }
        catch (OperationCanceledException) when (!runToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _run.Counters.Timeouts);
            _run.Failures.Add("reply timeout");
            Kill();
            return ReplyOutcome.TimedOut;
        }
        catch (Exception e) when (!runToken.IsCancellationRequested && IsTransportFailure(e))
        {
            Interlocked.Increment(ref _run.Counters.SendFailures);
            _run.Failures.Add("send", e);
            Kill();
            return ReplyOutcome.Closed;
        }
    }

    private async Task SendAsync(OutgoingFrame first, OutgoingFrame? second, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((2 * (PhoenixFrameWriter.Overhead + 256)) + (first.Payload?.Length ?? 0) + (second?.Payload?.Length ?? 0));
        try
        {
            var firstLength = Write(buffer, first);
            var secondLength = second is { } frame ? Write(buffer.AsSpan(firstLength), frame) : 0;

            await _sendGate.WaitAsync(cancellationToken);
            try
            {
                await _webSocket.SendAsync(buffer.AsMemory(0, firstLength), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                if (secondLength > 0)
                {
                    await _webSocket.SendAsync(buffer.AsMemory(firstLength, secondLength), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }
            }
            finally
            {
                _sendGate.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int Write(Span<byte> destination, OutgoingFrame frame) =>
        PhoenixFrameWriter.Write(
            destination,
            frame.JoinRef,
            frame.Ref,
            frame.Topic < 0 ? PhoenixFrameWriter.HeartbeatTopic : _run.Topics.JsonOf(frame.Topic),
            frame.Event,
            frame.Payload);

    private async Task ReceiveLoopAsync()
    {
        ArrayBufferWriter<byte>? large = null;
        var closedByServer = false;
        try
        {
            // No cancellation token: a registration per idle socket costs memory, and close/abort end the loop anyway.
            while (true)
            {
                var result = await _webSocket.ReceiveAsync(_receiveBuffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    closedByServer = IsAlive;
                    break;
                }

                if (large is null && result.EndOfMessage)
                {
                    OnFrame(_receiveBuffer.AsSpan(0, result.Count));
                    continue;
                }

                // Rare: a message larger than the buffer (a big push). Gather it, then drop the buffer again.
                large ??= new ArrayBufferWriter<byte>(4 * ReceiveBufferBytes);
                large.Write(_receiveBuffer.AsSpan(0, result.Count));
                if (result.EndOfMessage)
                {
                    OnFrame(large.WrittenSpan);
                    large = null;
                }
            }
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            if (IsAlive)
            {
                _run.Failures.Add("receive", e);
            }
        }

        if (!Terminate(byServer: true))
        {
            return;
        }

        if (closedByServer)
        {
            await AnswerServerCloseAsync();
        }

        _webSocket.Dispose();
    }

    private async Task AnswerServerCloseAsync()
    {
        using var timeout = new CancellationTokenSource(_run.Options.Timeout);
        try
        {
            await _sendGate.WaitAsync(timeout.Token);
            try
            {
                await _webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            finally
            {
                _sendGate.Release();
            }
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            // The server already closed; a lost close reply changes nothing it counts.
        }
    }

    private void OnFrame(ReadOnlySpan<byte> utf8)
    {
        if (!PhoenixFrameReader.TryRead(utf8, out var frame))
        {
            Interlocked.Increment(ref _run.Counters.ProtocolErrors);
            return;
        }

        switch (frame.Event)
        {
            case PhoenixEvent.Reply when frame.IsHeartbeatTopic:
                Interlocked.Increment(ref _run.Counters.HeartbeatsAcked);
                break;
            case PhoenixEvent.Reply:
                OnReply(frame);
                break;
            case PhoenixEvent.Close or PhoenixEvent.Error:
                OnChannelEnded(frame);
                break;
            default:
                Interlocked.Increment(ref _run.Counters.Pushes);
                _run.PushObserver?.OnPush(this, utf8);
                break;
        }
    }

    private void OnReply(in PhoenixFrame frame)
    {
        PendingReply? pending;
        lock (_stateGate)
        {
            pending = TakePendingLocked(frame.Ref);
            if (pending is not null && IsAlive)
            {
                if (pending.Kind == ReplyKind.Join && frame.Ok)
                {
                    AddMembershipLocked(pending.Topic, pending.JoinRef);
                }
                else if (pending.Kind == ReplyKind.Leave)
                {
                    // Whatever the status, the client asked to leave: the socket must no longer count.
                    RemoveMembershipLocked(pending.JoinRef);
                }
            }
        }

        if (pending is null)
        {
            Interlocked.Increment(ref _run.Counters.UnmatchedReplies);
            return;
        }

        pending.ReplyTimestamp = Stopwatch.GetTimestamp();
        Interlocked.Decrement(ref _run.Counters.PendingReplies);
        if (pending.Kind == ReplyKind.Push)
        {
            Interlocked.Increment(ref frame.Ok ? ref _run.Counters.MessagesAcked : ref _run.Counters.ProtocolErrors);
        }
        else if (pending.Kind == ReplyKind.Join)
        {
            _run.Latencies.Join.RecordSince(pending.StartTimestamp);
            Interlocked.Increment(ref frame.Ok ? ref _run.Counters.JoinsAcked : ref _run.Counters.JoinsRefused);
        }
        else
        {
            _run.Latencies.Leave.RecordSince(pending.StartTimestamp);
            Interlocked.Increment(ref _run.Counters.LeavesAcked);
        }

        if (!frame.Ok)
        {
            _run.Failures.Add($"{pending.Kind.ToString().ToLowerInvariant()} refused: {frame.Reason ?? "(no reason)"}");
        }

        pending.TrySetResult(frame.Ok ? ReplyOutcome.Ok : ReplyOutcome.Refused);
    }

    /// <summary>
    /// <c>phx_close</c> or <c>phx_error</c> for a membership still held: the server dropped it (a rejoin
    /// replacing it, a crash). The close that follows our own leave finds nothing and changes nothing.
    /// </summary>
    private void OnChannelEnded(in PhoenixFrame frame)
    {
        bool removed;
        lock (_stateGate)
        {
            removed = IsAlive && RemoveMembershipLocked(frame.JoinRef);
        }

        if (frame.Event == PhoenixEvent.Error)
        {
            Interlocked.Increment(ref _run.Counters.ChannelErrors);
        }
        else if (removed)
        {
            Interlocked.Increment(ref _run.Counters.ServerChannelCloses);
        }
    }

    /// <summary>
    /// Marks the connection finished exactly once: every membership leaves the ledger (the server drops them
    /// all with the socket), pending replies complete as closed, and the registry forgets it.
    /// </summary>
    private bool Terminate(bool byServer)
    {
        if (Interlocked.Exchange(ref _terminated, 1) != 0)
        {
            return false;
        }

        List<PendingReply>? pending;
        lock (_stateGate)
        {
            foreach (var membership in _memberships ?? [])
            {
                _run.Ledger.Decrement(membership.Topic);
            }

            _memberships = null;
            pending = _pending;
            _pending = null;
        }

        foreach (var reply in pending ?? [])
        {
            Interlocked.Decrement(ref _run.Counters.PendingReplies);
            reply.TrySetResult(ReplyOutcome.Closed);
        }

        _run.Registry.Remove(this);
        Interlocked.Decrement(ref _run.Counters.OpenSockets);
        if (byServer)
        {
            Interlocked.Increment(ref _run.Counters.ServerDisconnects);
        }

        return true;
    }

    /// <summary>Tears down after a failure; unlike <see cref="Abort"/> it is not counted as a deliberate abort.</summary>
    private void Kill()
    {
        if (Terminate(byServer: false))
        {
            Reset();
        }
    }

    private void Reset()
    {
        try
        {
            // Linger 0 turns the close into a reset: the abrupt end a crashed client or a dead network gives.
            if (_tcp is not null)
            {
                _tcp.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to reset.
        }

        _webSocket.Abort();
        _webSocket.Dispose();
    }

    private void AddPendingLocked(PendingReply pending)
    {
        (_pending ??= new List<PendingReply>(2)).Add(pending);
        Interlocked.Increment(ref _run.Counters.PendingReplies);
    }

    private PendingReply? TakePendingLocked(long reference)
    {
        if (_pending is null || reference < 0)
        {
            return null;
        }

        for (var i = 0; i < _pending.Count; i++)
        {
            if (_pending[i].Ref == reference)
            {
                var pending = _pending[i];
                _pending.RemoveAt(i);
                return pending;
            }
        }

        return null;
    }

    private int FindMembershipLocked(int topic)
    {
        if (_memberships is null)
        {
            return -1;
        }

        for (var i = 0; i < _memberships.Count; i++)
        {
            if (_memberships[i].Topic == topic)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A socket counts once per topic: an ok reply to a rejoin only moves the join ref.</summary>
    private void AddMembershipLocked(int topic, long joinRef)
    {
        var index = FindMembershipLocked(topic);
        if (index >= 0)
        {
            _memberships![index] = new Membership(topic, joinRef);
            return;
        }

        (_memberships ??= new List<Membership>(1)).Add(new Membership(topic, joinRef));
        _run.Ledger.Increment(topic);
    }

    private bool RemoveMembershipLocked(long joinRef)
    {
        if (_memberships is null || joinRef < 0)
        {
            return false;
        }

        for (var i = 0; i < _memberships.Count; i++)
        {
            if (_memberships[i].JoinRef == joinRef)
            {
                _run.Ledger.Decrement(_memberships[i].Topic);
                _memberships.RemoveAt(i);
                return true;
            }
        }

        return false;
    }

    private readonly record struct OutgoingFrame(long JoinRef, long Ref, int Topic, byte[] Event, byte[]? Payload = null);
}
