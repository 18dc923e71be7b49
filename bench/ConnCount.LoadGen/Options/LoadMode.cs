namespace ConnCount.LoadGen.Options;

/// <summary>The workload a run drives.</summary>
internal enum LoadMode
{
    /// <summary>Connect N sockets, join, hold them for the duration, report.</summary>
    Hold,

    /// <summary>Connect, join, leave and close in a loop for the duration.</summary>
    Cycle,

    /// <summary>Bare connect and close in a loop, no protocol (for the baseline server).</summary>
    ConnectClose,

    /// <summary>Pipelined join/leave pairs on K open sockets.</summary>
    Pairs,

    /// <summary>A fixed number of random join/leave/close/abort events over a pool of sockets.</summary>
    Churn,

    /// <summary>All sockets join one topic; the first pushes messages with a window in flight; every other receives them.</summary>
    Fanout,

    /// <summary>Many members on one topic; one sender pushes timestamped messages one at a time; latency to the last member.</summary>
    FanoutLatency,

    /// <summary>A watcher on one node, a joiner on another joining and leaving a presence topic; join to <c>presence_diff</c>.</summary>
    PresenceLatency,
}
