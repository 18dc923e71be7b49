using System.Net;
using System.Net.Sockets;

namespace ConnCount.LoadGen.Transport;

/// <summary>Opens the TCP connection under every WebSocket, optionally from a chosen local address.</summary>
internal static class ClientSocket
{
    // Linux IP_BIND_ADDRESS_NO_PORT: defer the port choice to connect(), so the kernel picks a port
    // per (source, destination) pair and may reuse TIME_WAIT ports on loopback, instead of
    // reserving one port per source address at bind() time.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    public static async ValueTask<Socket> ConnectAsync(Target target, CancellationToken cancellationToken)
    {
        var socket = new Socket(target.Remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (target.Source is { } source)
            {
                if (OperatingSystem.IsLinux())
                {
                    socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }

                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(target.Remote, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
