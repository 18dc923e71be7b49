namespace ConnCount.LoadGen.Options;

/// <summary>What the client speaks once the WebSocket is open.</summary>
internal enum WireProtocol
{
    /// <summary>Phoenix Channels v2 JSON: joins, leaves and heartbeats.</summary>
    Phoenix,

    /// <summary>Nothing: the socket is opened, held and closed (the baseline server).</summary>
    None,
}
