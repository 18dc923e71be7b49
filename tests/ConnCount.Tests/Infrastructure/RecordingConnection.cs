using System.Net.WebSockets;
using System.Text;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.Tests.Infrastructure;

/// <summary>A socket that keeps every frame it is sent, as text.</summary>
internal sealed class RecordingConnection() : PhoenixConnection(socketToken: null)
{
    public List<string> Frames { get; } = [];

    public override Task SendAsync(ReadOnlySpan<byte> frame, CancellationToken cancellationToken)
    {
        lock (Frames)
        {
            Frames.Add(Encoding.UTF8.GetString(frame));
        }

        return Task.CompletedTask;
    }

    public override Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Abort()
    {
    }
}
