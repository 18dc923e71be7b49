namespace ConnCount.LoadGen.Phoenix;

/// <summary>
/// Sees every push a connection of the run receives (anything but a reply, <c>phx_close</c> or <c>phx_error</c>),
/// on that connection's receive loop, so it must be quick and thread-safe across connections.
/// </summary>
internal interface IPushObserver
{
    void OnPush(PhoenixConnection connection, ReadOnlySpan<byte> frame);
}
