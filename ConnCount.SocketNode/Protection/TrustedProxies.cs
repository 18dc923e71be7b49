using System.Net;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>The parsed <c>ConnCount:Proxy:TrustedProxies</c>: whether an address is one of the node's own reverse proxies.</summary>
public sealed class TrustedProxies
{
    public TrustedProxies(IOptions<ProxyOptions> options) => Networks = [.. options.Value.TrustedProxies.Select(Parse)];

    public IReadOnlyList<IPNetwork> Networks { get; }

    public bool Contains(IPAddress address)
    {
        var normal = Normalize(address);
        foreach (var network in Networks)
        {
            if (network.Contains(normal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An IPv4 client of a dual-stack listener arrives as <c>::ffff:a.b.c.d</c>; limits and matching use <c>a.b.c.d</c>.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>A single address (as a /32 or /128 network) or a CIDR network.</summary>
    public static bool TryParse(string text, out IPNetwork network)
    {
        if (IPAddress.TryParse(text, out var address))
        {
            address = Normalize(address);
            network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }

        return IPNetwork.TryParse(text, out network);
    }

    private static IPNetwork Parse(string text) =>
        TryParse(text.Trim(), out var network) ? network : throw new FormatException($"'{text}' in {ProxyOptions.SectionName}:TrustedProxies is neither an IP address nor a CIDR network.");
}
