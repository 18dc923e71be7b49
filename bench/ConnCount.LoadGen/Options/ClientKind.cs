namespace ConnCount.LoadGen.Options;

/// <summary>How a WebSocket is opened.</summary>
internal enum ClientKind
{
    /// <summary>A raw socket with a hand-written upgrade request: the smallest footprint per socket.</summary>
    Raw,

    /// <summary><c>ClientWebSocket</c> over a <c>SocketsHttpHandler</c>: the stock client path.</summary>
    Http,
}
