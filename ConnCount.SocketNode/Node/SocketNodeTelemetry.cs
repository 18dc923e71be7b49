using System.Diagnostics;

namespace ConnCount.SocketNode.Node;

/// <summary>The node's own trace source, named as the service so the service defaults export it.</summary>
public static class SocketNodeTelemetry
{
    /// <summary>Spans for socket work that crosses NATS, so what it causes there joins one trace.</summary>
    public static readonly ActivitySource Source = new("ConnCount.SocketNode");
}
