namespace ConnCount.LoadGen.Phoenix;

/// <summary>
/// A join or leave waiting for its <c>phx_reply</c>, matched by ref. It carries what the receive loop needs
/// to move the ledger, so the ledger follows the server's replies even when nobody awaits them any more.
/// </summary>
internal sealed class PendingReply(long reference, ReplyKind kind, int topic, long joinRef, long startTimestamp)
    : TaskCompletionSource<ReplyOutcome>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public long Ref { get; } = reference;

    public ReplyKind Kind { get; } = kind;

    public int Topic { get; } = topic;

    public long JoinRef { get; } = joinRef;

    public long StartTimestamp { get; } = startTimestamp;

    /// <summary>When the receive loop read the reply (0 until then): the latency modes measure from it.</summary>
    public long ReplyTimestamp { get; set; }
}
