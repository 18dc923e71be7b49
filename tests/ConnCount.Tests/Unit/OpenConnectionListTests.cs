using System.Net.WebSockets;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.Tests.Unit;

/// <summary>The node's list of open connections, whose links live on the connections: exact under concurrent opens and closes.</summary>
public class OpenConnectionListTests
{
    [Fact]
    public void Connections_added_and_removed_from_many_threads_leave_exactly_the_ones_still_open()
    {
        var list = new OpenConnectionList();
        var connections = Enumerable.Range(0, 20_000).Select(_ => new SilentConnection()).ToArray();

        Parallel.For(0, connections.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            list.Add(connections[i]);
            list.Add(connections[i]); // twice: still once
            if (i % 3 != 0)
            {
                list.Remove(connections[i]);
                list.Remove(connections[i]); // twice: still once
            }
        });

        var open = connections.Where((_, i) => i % 3 == 0).ToHashSet<PhoenixConnection>();
        Assert.Equal(open.Count, list.Count);
        var listed = list.Where();
        Assert.Equal(open.Count, listed.Count);
        Assert.True(open.SetEquals(listed), "the list holds exactly the open connections");
        Assert.All(connections, c => Assert.Equal(open.Contains(c), list.Contains(c)));
        Assert.Single(list.Where(c => c == connections[3]));
    }

    private sealed class SilentConnection() : PhoenixConnection(socketToken: null)
    {
        public override Task SendAsync(ReadOnlySpan<byte> frame, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Abort()
        {
        }
    }
}
