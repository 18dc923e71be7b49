using System.Net;

namespace ConnCount.LoadGen.Transport;

/// <summary>Where one socket goes and which local address it leaves from.</summary>
internal sealed record Target(Uri Uri, IPEndPoint Remote, IPAddress? Source);
