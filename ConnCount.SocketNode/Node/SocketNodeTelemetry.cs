using System.Diagnostics;

namespace ConnCount.SocketNode.Node;

/// <summary>The node's own trace source, named as the service so the service defaults export it.</summary>
public static class SocketNodeTelemetry
{
    /// <summary>Spans for socket work that crosses NATS, so what it causes there joins one trace.</summary>
    public static readonly ActivitySource Source = new("ConnCount.SocketNode");

    /// <summary>
    /// Starts the trace of one socket event. The socket's upgrade request is not traced, yet its activity stays
    /// <see cref="Activity.Current"/> for the socket's whole life and would make every child unsampled: a socket event
    /// is a root of its own. Call it from the async method that handles the event, so the change stays in that flow.
    /// </summary>
    public static Activity? StartSocketEvent(string name)
    {
        Activity.Current = null;
        return Source.StartActivity(name, ActivityKind.Server);
    }
}
