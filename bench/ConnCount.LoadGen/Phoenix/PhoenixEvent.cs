namespace ConnCount.LoadGen.Phoenix;

/// <summary>The server events this client tells apart.</summary>
internal enum PhoenixEvent
{
    Other,
    Reply,
    Close,
    Error,
}
