using ConnCount.ServiceDefaults.Nats;
using ConnCount.SocketNode;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Sockets;

// Settings (appsettings.json) come from the application's own folder, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddServiceDefaults();
builder.AddConnCountNats("nats");
builder.AddSocketNode();

var app = builder.Build();

// First, so limits and logs see the client behind a trusted proxy (ConnCount:Proxy:TrustedProxies).
app.UseForwardedHeaders();

// No WebSocket-level ping: the Phoenix heartbeat and the idle timeout already find dead peers, and a
// keep-alive timer per socket would cost memory on every idle connection.
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
app.MapDefaultEndpoints();
app.MapPhoenixSocket();
app.MapDrain();

try
{
    app.Run();
}
catch (DuplicateNodeIdException ex)
{
    // One line, and a non-zero exit, for whoever started the duplicate.
    Console.Error.WriteLine(ex.Message);
    return 2;
}

return 0;

/// <summary>Entry point, visible to tests that host the node in-process.</summary>
public partial class Program;
