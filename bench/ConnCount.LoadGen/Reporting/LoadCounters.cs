namespace ConnCount.LoadGen.Reporting;

/// <summary>
/// Everything the run did, as plain fields bumped with <see cref="Interlocked"/> from any thread.
/// Fields rather than properties so that <c>ref</c> works; the type never leaves this program.
/// </summary>
internal sealed class LoadCounters
{
    public long SocketsOpened;
    public long SocketsFailed;
    public long SocketsClosed;
    public long SocketsAborted;
    public long CloseFailures;
    public long ServerDisconnects;
    public long OpenSockets;

    public long JoinsSent;
    public long JoinsAcked;
    public long JoinsRefused;
    public long Rejoins;
    public long LeavesSent;
    public long LeavesAcked;
    public long HeartbeatsSent;
    public long HeartbeatsAcked;
    public long Timeouts;
    public long PendingReplies;

    public long ServerChannelCloses;
    public long ChannelErrors;
    public long Pushes;
    public long MessagesSent;
    public long MessagesAcked;
    public long UnmatchedReplies;
    public long ProtocolErrors;
    public long SendFailures;

    public long Cycles;
    public long CycleFailures;
    public long Pairs;
    public long PairFailures;

    public long ChurnJoins;
    public long ChurnLeaves;
    public long ChurnCloses;
    public long ChurnAborts;
    public long ChurnReconnects;
    public long ChurnSkipped;

    public long LatencyMessages;
    public long MessagesComplete;
    public long MembersComplete;
    public long DeliveriesMissing;
    public long DeliveriesOutOfOrder;

    public long PresenceJoinDiffs;
    public long PresenceLeaveDiffs;
    public long PresenceDiffsMissed;
    public long PresenceDiffsBeforeReply;

    /// <summary>Snake-case names and current values, in declaration order.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>
    {
        ["sockets_opened"] = Volatile.Read(ref SocketsOpened),
        ["sockets_failed"] = Volatile.Read(ref SocketsFailed),
        ["sockets_closed"] = Volatile.Read(ref SocketsClosed),
        ["sockets_aborted"] = Volatile.Read(ref SocketsAborted),
        ["close_failures"] = Volatile.Read(ref CloseFailures),
        ["server_disconnects"] = Volatile.Read(ref ServerDisconnects),
        ["open_sockets"] = Volatile.Read(ref OpenSockets),
        ["joins_sent"] = Volatile.Read(ref JoinsSent),
        ["joins_acked"] = Volatile.Read(ref JoinsAcked),
        ["joins_refused"] = Volatile.Read(ref JoinsRefused),
        ["rejoins"] = Volatile.Read(ref Rejoins),
        ["leaves_sent"] = Volatile.Read(ref LeavesSent),
        ["leaves_acked"] = Volatile.Read(ref LeavesAcked),
        ["heartbeats_sent"] = Volatile.Read(ref HeartbeatsSent),
        ["heartbeats_acked"] = Volatile.Read(ref HeartbeatsAcked),
        ["timeouts"] = Volatile.Read(ref Timeouts),
        ["pending_replies"] = Volatile.Read(ref PendingReplies),
        ["server_channel_closes"] = Volatile.Read(ref ServerChannelCloses),
        ["channel_errors"] = Volatile.Read(ref ChannelErrors),
        ["pushes"] = Volatile.Read(ref Pushes),
        ["messages_sent"] = Volatile.Read(ref MessagesSent),
        ["messages_acked"] = Volatile.Read(ref MessagesAcked),
        ["unmatched_replies"] = Volatile.Read(ref UnmatchedReplies),
        ["protocol_errors"] = Volatile.Read(ref ProtocolErrors),
        ["send_failures"] = Volatile.Read(ref SendFailures),
        ["cycles"] = Volatile.Read(ref Cycles),
        ["cycle_failures"] = Volatile.Read(ref CycleFailures),
        ["pairs"] = Volatile.Read(ref Pairs),
        ["pair_failures"] = Volatile.Read(ref PairFailures),
        ["churn_joins"] = Volatile.Read(ref ChurnJoins),
        ["churn_leaves"] = Volatile.Read(ref ChurnLeaves),
        ["churn_closes"] = Volatile.Read(ref ChurnCloses),
        ["churn_aborts"] = Volatile.Read(ref ChurnAborts),
        ["churn_reconnects"] = Volatile.Read(ref ChurnReconnects),
        ["churn_skipped"] = Volatile.Read(ref ChurnSkipped),
        ["latency_messages"] = Volatile.Read(ref LatencyMessages),
        ["messages_complete"] = Volatile.Read(ref MessagesComplete),
        ["members_complete"] = Volatile.Read(ref MembersComplete),
        ["deliveries_missing"] = Volatile.Read(ref DeliveriesMissing),
        ["deliveries_out_of_order"] = Volatile.Read(ref DeliveriesOutOfOrder),
        ["presence_join_diffs"] = Volatile.Read(ref PresenceJoinDiffs),
        ["presence_leave_diffs"] = Volatile.Read(ref PresenceLeaveDiffs),
        ["presence_diffs_missed"] = Volatile.Read(ref PresenceDiffsMissed),
        ["presence_diffs_before_reply"] = Volatile.Read(ref PresenceDiffsBeforeReply),
    };
}
