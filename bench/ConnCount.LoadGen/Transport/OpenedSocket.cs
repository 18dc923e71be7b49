using System.Net.WebSockets;
using Socket = System.Net.Sockets.Socket;

namespace ConnCount.LoadGen.Transport;

/// <summary>An open WebSocket and, when the connector owns it, the TCP socket under it (for a reset on abort).</summary>
internal readonly record struct OpenedSocket(WebSocket WebSocket, Socket? Tcp);
