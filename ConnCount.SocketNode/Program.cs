using ConnCount.SocketNode;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Sockets;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNatsClient("nats");
builder.AddSocketNode();

var app = builder.Build();

app.UseWebSockets();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapPhoenixSocket();
app.MapDrain();

app.Run();

/// <summary>Entry point, visible to tests that host the node in-process.</summary>
public partial class Program;
