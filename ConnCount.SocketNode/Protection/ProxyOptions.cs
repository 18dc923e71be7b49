namespace ConnCount.SocketNode.Protection;

/// <summary>Reverse proxies in front of the node. Section <c>ConnCount:Proxy</c>.</summary>
public sealed class ProxyOptions
{
    public const string SectionName = "ConnCount:Proxy";

    /// <summary>
    /// Addresses (<c>10.0.0.7</c>, <c>::1</c>) and networks (<c>10.0.0.0/8</c>) of proxies whose <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> are believed. Empty (the default): no proxy is trusted and the headers are ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}
