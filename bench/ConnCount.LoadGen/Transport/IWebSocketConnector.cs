namespace ConnCount.LoadGen.Transport;

/// <summary>Opens one client WebSocket to a target; throws when the server does not upgrade.</summary>
internal interface IWebSocketConnector : IDisposable
{
    ValueTask<OpenedSocket> ConnectAsync(Target target, CancellationToken cancellationToken);
}
