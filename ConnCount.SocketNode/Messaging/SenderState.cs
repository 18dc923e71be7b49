namespace ConnCount.SocketNode.Messaging;

/// <summary>A socket that pushes messages: its id among the sockets of this node process (its own messages are not echoed to it) and its rate.</summary>
internal sealed class SenderState
{
    private static long s_lastId;

    public long Id { get; } = Interlocked.Increment(ref s_lastId);

    public Protection.JoinRateBucket Rate;
}
