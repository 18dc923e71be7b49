using System.ComponentModel.DataAnnotations;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Limits on TCP connections, applied before any HTTP request is read. Section <c>ConnCount:Connections</c>.
/// "Pending" means accepted and not (yet) upgraded to a WebSocket: upgrades still sending their headers, health
/// probes, scrapes, admin calls, idle keep-alive connections. Upgraded sockets are bounded by
/// <see cref="LimitsOptions.MaxSocketsPerNode"/> instead.
/// </summary>
public sealed class ConnectionLimitOptions
{
    public const string SectionName = "ConnCount:Connections";

    /// <summary>
    /// Pending connections on the node (counted by <see cref="PendingConnectionLimiter"/>, which stops counting a
    /// connection once Kestrel upgrades it); beyond it a new connection is closed at once. With the default
    /// <see cref="LimitsOptions.MaxSocketsPerNode"/> of 19,000 this leaves 600 of a 20,000 open-file limit, of which an
    /// idle node already holds about 300 (assemblies, pipes, listeners, NATS), for everything else.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPending { get; set; } = 400;

    /// <summary>
    /// Pending connections from one client address; beyond it a new connection from that address is closed at once.
    /// Connections from a trusted proxy (<c>ConnCount:Proxy:TrustedProxies</c>) are not counted per address.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPendingPerIp { get; set; } = 64;

    /// <summary>Longest time a client may take to send a request's headers, the upgrade's included (Kestrel's default is 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest time a connection may sit idle between requests, or before its first (Kestrel's default is 130 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
