namespace ConnCount.LoadGen.Phoenix;

/// <summary>How a join or leave ended.</summary>
internal enum ReplyOutcome
{
    /// <summary>The server replied with status ok.</summary>
    Ok,

    /// <summary>The server replied with another status (the reason goes to the failure log).</summary>
    Refused,

    /// <summary>The socket closed before a reply came.</summary>
    Closed,

    /// <summary>No reply within the timeout; the socket was torn down so the ledger stays exact.</summary>
    TimedOut,

    /// <summary>A leave for a topic the socket had not joined: nothing was sent.</summary>
    NotJoined,
}
