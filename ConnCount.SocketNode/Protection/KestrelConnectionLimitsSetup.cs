using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Applies <see cref="ConnectionLimitOptions"/> to Kestrel: its header and keep-alive timeouts, and
/// <see cref="PendingConnectionLimiter"/> (the node-wide and per-address pending counts) on every endpoint, those from
/// <c>--urls</c> and <c>ASPNETCORE_URLS</c> included (endpoint defaults apply to all of them).
/// </summary>
internal sealed class KestrelConnectionLimitsSetup(IOptions<ConnectionLimitOptions> options, PendingConnectionLimiter limiter) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var limits = options.Value;
        kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Use(next => connection => limiter.OnConnectionAsync(connection, next)));
    }
}
