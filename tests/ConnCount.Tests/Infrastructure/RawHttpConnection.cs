using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ConnCount.Tests.Infrastructure;

/// <summary>
/// A plain TCP connection to a node from a chosen loopback source address, for requests a real HTTP client would
/// never send: a request that stops half-way, or headers of the test's choosing.
/// </summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    /// <summary>An upgrade request cut off before the blank line that ends its headers.</summary>
    public const string IncompleteUpgrade = "GET /socket/websocket?vsn=2.0.0 HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n";

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly Task<string> _received;

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _received = ReadUntilClosedAsync();
    }

    /// <summary>Completes, with everything the server sent, when the server closes (or resets) the connection.</summary>
    public Task<string> Closed => _received;

    public static async Task<RawHttpConnection> OpenAsync(Uri node, IPAddress source, string? firstBytes = null)
    {
        var client = new TcpClient(new IPEndPoint(source, 0));
        try
        {
            await client.ConnectAsync(IPAddress.Parse(node.Host), node.Port);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        var connection = new RawHttpConnection(client);
        if (firstBytes is not null)
        {
            await connection.SendAsync(firstBytes);
        }

        return connection;
    }

    public async Task SendAsync(string text)
    {
        try
        {
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        }
        catch (IOException)
        {
            // The server may already have closed it; Closed tells.
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string> ReadUntilClosedAsync()
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
        }

        return received.ToString();
    }
}
