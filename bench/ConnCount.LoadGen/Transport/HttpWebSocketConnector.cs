using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace ConnCount.LoadGen.Transport;

/// <summary>
/// The stock client: <see cref="ClientWebSocket"/> over one <see cref="SocketsHttpHandler"/> per source address,
/// whose ConnectCallback binds the socket. An aborted socket here ends with FIN, not a reset.
/// </summary>
internal sealed class HttpWebSocketConnector : IWebSocketConnector
{
    private readonly Dictionary<IPAddress, HttpMessageInvoker> _bySource = [];
    private readonly HttpMessageInvoker _unbound;

    public HttpWebSocketConnector(IEnumerable<IPAddress> sources)
    {
        _unbound = CreateInvoker(source: null);
        foreach (var source in sources.Distinct())
        {
            _bySource[source] = CreateInvoker(source);
        }
    }

    public async ValueTask<OpenedSocket> ConnectAsync(Target target, CancellationToken cancellationToken)
    {
        var invoker = target.Source is { } source ? _bySource[source] : _unbound;
        var webSocket = new ClientWebSocket();
        webSocket.Options.KeepAliveInterval = TimeSpan.Zero;
        webSocket.Options.HttpVersion = HttpVersion.Version11;
        webSocket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        try
        {
            await webSocket.ConnectAsync(target.Uri, invoker, cancellationToken);
            return new OpenedSocket(webSocket, Tcp: null);
        }
        catch
        {
            webSocket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _unbound.Dispose();
        foreach (var invoker in _bySource.Values)
        {
            invoker.Dispose();
        }
    }

    private static HttpMessageInvoker CreateInvoker(IPAddress? source)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var remote = await ResolveAsync(context.DnsEndPoint, cancellationToken);
                var socket = await ClientSocket.ConnectAsync(new Target(context.InitialRequestMessage.RequestUri!, remote, source), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static async ValueTask<IPEndPoint> ResolveAsync(DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(endPoint.Host, out var literal))
        {
            return new IPEndPoint(literal, endPoint.Port);
        }

        var addresses = await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
        return new IPEndPoint(address, endPoint.Port);
    }
}
